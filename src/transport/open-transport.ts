import type { Logger } from '../logging/logger';
import { AmqpTransport } from './amqp-transport';
import { MemoryTransport } from './memory-transport';
import type { Transport } from './transport';

export interface OpenTransportOptions {
  readonly connectionName: string;
  readonly heartbeatSeconds?: number;
  readonly publishTimeoutMs?: number;
  readonly logger?: Logger;
  /** Default: `WARREN_BROKER_USERNAME`, else the URL's user. */
  readonly username?: string;
  /** Default: `WARREN_BROKER_PASSWORD`, else the URL's password. Kept out of the URL, it never shows in a URL that is logged. */
  readonly password?: string;
}

/** RabbitMQ for amqp(s):// URLs; the embedded broker of this process when there is no URL or a memory:// one. */
export async function openTransport(url: string | undefined, options: OpenTransportOptions, env: NodeJS.ProcessEnv = process.env): Promise<Transport> {
  if (url === undefined || url.startsWith('memory://')) return new MemoryTransport(url);
  const username = options.username ?? nonEmpty(env['WARREN_BROKER_USERNAME']);
  const password = options.password ?? nonEmpty(env['WARREN_BROKER_PASSWORD']);
  return AmqpTransport.connect({ url, ...options, username, password });
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/**
 * The connection a runtime's own publishes go on (retries, delays, dead letters, lifecycle
 * events): not the one its consumers ack on. Under a resource alarm RabbitMQ blocks a connection
 * once it publishes and then reads nothing more from it, acks included, so one retry or event
 * published then would stall every consumer of the runtime. The embedded broker has no alarms:
 * there it is the same transport.
 */
export async function openPublishingTransport(consuming: Transport, url: string | undefined, options: OpenTransportOptions, env: NodeJS.ProcessEnv = process.env): Promise<Transport> {
  if (consuming instanceof MemoryTransport) return consuming;
  return openTransport(url, { ...options, connectionName: `${options.connectionName} (publishing)` }, env);
}
