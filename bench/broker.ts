import { ensureRabbitMqInstalled, startRabbitNode, type RabbitNode } from '../test/support/rabbitmq-node';

/** Where the benchmark runs: a throwaway RabbitMQ node it owns, or `WARREN_BROKER_URL`. */
export interface BenchBroker {
  readonly url: string;
  /** The throwaway node, when we started one (stop it!). */
  readonly node: RabbitNode | undefined;
  stop(): Promise<void>;
}

export async function openBroker(log: (line: string) => void): Promise<BenchBroker> {
  const external = process.env.WARREN_BROKER_URL?.trim();
  if (external) {
    log(`broker: WARREN_BROKER_URL (no node started)`);
    return { url: external, node: undefined, stop: async () => {} };
  }
  await ensureRabbitMqInstalled(log);
  const node = await startRabbitNode({ log });
  return { url: node.url, node, stop: () => node.stop() };
}
