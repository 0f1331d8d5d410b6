import type { Logger } from '../logging/logger';
import { AmqpTransport } from './amqp-transport';
import { MemoryTransport } from './memory-transport';
import type { Transport } from './transport';

/** RabbitMQ for amqp(s):// URLs; the embedded broker of this process when there is no URL or a memory:// one. */
export async function openTransport(url: string | undefined, options: { connectionName: string; heartbeatSeconds?: number; publishTimeoutMs?: number; logger?: Logger }): Promise<Transport> {
  if (url === undefined || url.startsWith('memory://')) return new MemoryTransport(url);
  return AmqpTransport.connect({ url, ...options });
}
