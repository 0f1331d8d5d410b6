import { brokerAddresses } from './broker-addresses';

/** The URL without its password, for logs and errors; each of several (`amqp://a,amqp://b`) so. */
export function redactUrl(url: string): string {
  const addresses = brokerAddresses(url);
  // Only a list of whole URLs is one: `postgres://a,b/db` (several hosts in one URL) is not.
  const several = addresses.length > 1 && addresses.every((address) => /^[a-z][a-z0-9+.-]*:\/\//i.test(address));
  return several ? addresses.map(redactOne).join(',') : redactOne(url);
}

function redactOne(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<unparseable broker URL>';
  }
}
