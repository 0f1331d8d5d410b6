import type { Options } from 'amqplib';
import { TransportError } from '../errors';
import { redactUrl } from './redact-url';

/** Credentials given apart from the URL (`WARREN_BROKER_USERNAME` / `WARREN_BROKER_PASSWORD`, or the caller's options). */
export interface BrokerCredentials {
  readonly username?: string;
  readonly password?: string;
}

/**
 * The URL as amqplib's object form, credentials decoded here. amqplib decodes a URL's user and
 * password with `unescape`, which turns a correctly percent-encoded UTF-8 password (`p%C3%A4ss`)
 * into Latin-1 garbage; the object form takes them as they are. Credentials given apart win over
 * the URL's. The vhost stays percent-encoded: amqplib decodes that one properly.
 */
export function connectTarget(url: string, credentials: BrokerCredentials, heartbeatSeconds: number | undefined): Options.Connect {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Node's TypeError carries the raw URL (`input`), password and all: say what is wrong without it.
    throw new TransportError(`The broker URL ${redactUrl(url)} is not a valid URL`);
  }
  const protocol = parsed.protocol.replace(/:$/, '');
  if (protocol !== 'amqp' && protocol !== 'amqps') throw new TransportError(`The broker URL ${redactUrl(url)} must start with amqp:// or amqps://`);
  const query = parsed.searchParams;
  const integer = (name: string): number | undefined => {
    const value = query.get(name);
    if (value === null) return undefined;
    const parsedValue = Number.parseInt(value, 10);
    if (!Number.isFinite(parsedValue)) throw new TransportError(`The broker URL ${redactUrl(url)} has a non-numeric ${name}`);
    return parsedValue;
  };
  const hasUser = parsed.username !== '' || parsed.password !== '';
  return {
    protocol,
    hostname: parsed.hostname.replace(/^\[|\]$/g, ''),
    port: parsed.port ? Number(parsed.port) : protocol === 'amqp' ? 5672 : 5671,
    username: credentials.username ?? (hasUser ? decode(parsed.username, 'user name', url) : 'guest'),
    password: credentials.password ?? (hasUser ? decode(parsed.password, 'password', url) : 'guest'),
    vhost: parsed.pathname.length > 1 ? parsed.pathname.slice(1) : '/',
    heartbeat: integer('heartbeat') ?? heartbeatSeconds,
    frameMax: integer('frameMax'),
    channelMax: integer('channelMax'),
    locale: query.get('locale') ?? undefined,
  };
}

function decode(component: string, what: string, url: string): string {
  try {
    return decodeURIComponent(component);
  } catch {
    throw new TransportError(`The ${what} in the broker URL ${redactUrl(url)} is not correctly percent-encoded (UTF-8)`);
  }
}

/**
 * A copy of an error and its cause chain with every secret replaced by `***`, in messages,
 * stacks and string properties (Node's URL errors keep the raw URL in `input`): what Warren
 * throws or logs must never carry the password.
 */
export function scrubSecrets(error: unknown, secrets: readonly string[], depth = 0): unknown {
  const present = secrets.filter((secret) => secret.length > 0);
  if (present.length === 0) return error;
  const scrub = (text: string): string => present.reduce((result, secret) => result.split(secret).join('***'), text);
  if (!(error instanceof Error)) return typeof error === 'string' ? scrub(error) : error;
  const copy = new Error(scrub(error.message));
  Object.defineProperty(copy, 'name', { value: error.name, enumerable: false, writable: true, configurable: true });
  copy.stack = error.stack === undefined ? undefined : scrub(error.stack);
  for (const [key, value] of Object.entries(error)) {
    if (key === 'cause') continue;
    (copy as unknown as Record<string, unknown>)[key] = typeof value === 'string' ? scrub(value) : value;
  }
  if (error.cause !== undefined && depth < 8) copy.cause = scrubSecrets(error.cause, present, depth + 1);
  return copy;
}
