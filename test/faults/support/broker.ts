import amqp, { type Channel, type ChannelModel, type ConfirmChannel, type Options } from 'amqplib';
import { ENV_BROKER_URL, ensureRabbitMqInstalled, rabbitNodeFromEnv, startRabbitNode, type RabbitNode } from '../../support/rabbitmq-node';
import { ENV_CLUSTER, rabbitClusterFromEnv, startRabbitCluster, type RabbitCluster } from '../../support/rabbitmq-cluster';
import { buildDelayCascade } from '../../../src/topology/delay-cascade';
import { TopologyNames } from '../../../src/topology/topology';
import { FAULT_QUEUES } from './paths';

export interface Broker {
  /** The broker URL a runtime is given: on a cluster, every node's, comma-separated. */
  readonly url: string;
  /** Every node's URL (one on a single node). */
  readonly urls: readonly string[];
  /** The three-node cluster, for the cluster scenarios (npm run test:faults -- --cluster). */
  readonly cluster?: RabbitCluster;
  /** rabbitmqctl access; undefined on an external broker given by URL only (node-control scenarios are skipped). */
  readonly node: RabbitNode | undefined;
  /** Whether this suite started the node (and must stop it). */
  readonly owned: boolean;
  stop(): Promise<void>;
}

/** The runner's broker (WARREN_TEST_BROKER_URL + WARREN_TEST_RABBIT_*), or a throwaway node of our own. */
export async function acquireBroker(log: (line: string) => void): Promise<Broker> {
  const external = process.env[ENV_BROKER_URL];
  if (external) {
    const node = rabbitNodeFromEnv();
    log(`broker: ${ENV_BROKER_URL} given; ${node ? `node ${node.nodeName} controllable through rabbitmqctl` : 'no node control (WARREN_TEST_RABBIT_* unset)'}`);
    return { url: external, urls: [external], node, owned: false, stop: async () => {} };
  }
  await ensureRabbitMqInstalled(log);
  const node = await startRabbitNode({ log });
  return { url: node.url, urls: [node.url], node, owned: true, stop: () => node.stop() };
}

/** The runner's cluster (WARREN_TEST_CLUSTER), or a three-node cluster of our own. */
export async function acquireCluster(log: (line: string) => void): Promise<Broker> {
  const given = rabbitClusterFromEnv();
  if (process.env[ENV_CLUSTER] && !given) throw new Error(`${ENV_CLUSTER} is set, but its nodes' directories are gone`);
  const owned = !given;
  if (!given) await ensureRabbitMqInstalled(log);
  const cluster = given ?? (await startRabbitCluster({ log }));
  if (given) log(`cluster: ${ENV_CLUSTER} given (${cluster.nodes.map((node) => node.nodeName).join(', ')})`);
  return { url: cluster.urls.join(','), urls: cluster.urls, cluster, node: cluster.nodes[0], owned, stop: () => cluster.stop() };
}

/** A message read back from a queue. `id` is the suite's id for it: `fault-id` header, else correlationId, else messageId. */
export interface QueuedMessage {
  readonly id: string | undefined;
  readonly messageId: string | undefined;
  readonly body: Buffer;
  readonly headers: Record<string, unknown>;
}

/**
 * Reads and writes the broker without Warren: a raw amqplib connection that the suite reopens by
 * itself when a fault closed it. Every operation takes a fresh channel, so a 404 on one queue
 * (which closes its channel) cannot disturb the next.
 */
export class Inspector {
  private connection: Promise<ChannelModel> | undefined;

  /** `urls`: the nodes of a cluster, tried in turn whenever the inspector (re)connects. */
  constructor(private readonly urls: readonly string[]) {}

  /** Messages ready in a queue; undefined when the queue does not exist or the broker cannot be reached. */
  async depth(queue: string): Promise<number | undefined> {
    try {
      return await this.withChannel(async (channel) => (await channel.checkQueue(queue)).messageCount);
    } catch {
      return undefined;
    }
  }

  /** Messages ready and consumers of a queue; undefined when the queue does not exist or the broker cannot be reached. */
  async queueInfo(queue: string): Promise<{ messages: number; consumers: number } | undefined> {
    try {
      return await this.withChannel(async (channel) => {
        const { messageCount, consumerCount } = await channel.checkQueue(queue);
        return { messages: messageCount, consumers: consumerCount };
      });
    } catch {
      return undefined;
    }
  }

  /** Sum of `depth` over queues; undefined if any is unknown. */
  async totalDepth(queues: readonly string[]): Promise<number | undefined> {
    let total = 0;
    for (const queue of queues) {
      const depth = await this.depth(queue);
      if (depth === undefined) return undefined;
      total += depth;
    }
    return total;
  }

  /** Takes every message off a queue (a missing queue is empty). */
  async drain(queue: string): Promise<QueuedMessage[]> {
    return this.withChannel(async (channel) => {
      const taken: QueuedMessage[] = [];
      try {
        await channel.checkQueue(queue);
      } catch {
        return taken;
      }
      for (;;) {
        const message = await channel.get(queue, { noAck: true });
        if (!message) return taken;
        const headers = { ...(message.properties.headers ?? {}) } as Record<string, unknown>;
        const faultId = headers['fault-id'];
        const correlationId = message.properties.correlationId as string | undefined;
        const messageId = message.properties.messageId as string | undefined;
        taken.push({ id: typeof faultId === 'string' ? faultId : (correlationId ?? messageId), messageId, body: message.content, headers });
      }
    });
  }

  /** Puts messages straight onto queues (default exchange), as a broken or hostile publisher would; resolves once the broker confirmed all. */
  async publishRaw(messages: ReadonlyArray<{ queue: string; body: Buffer; properties: Options.Publish }>): Promise<void> {
    const connection = await this.open();
    const channel: ConfirmChannel = await connection.createConfirmChannel();
    channel.on('error', () => {});
    try {
      for (const { queue, body, properties } of messages) {
        if (!channel.sendToQueue(queue, body, properties)) await new Promise((resolve) => channel.once('drain', resolve));
      }
      await channel.waitForConfirms();
    } finally {
      await channel.close().catch(() => {});
    }
  }

  /** Deletes everything the fault config declares in a namespace (best effort). */
  async deleteNamespace(namespace: string): Promise<void> {
    const cascade = buildDelayCascade(new TopologyNames(namespace));
    const queues = [
      ...[...FAULT_QUEUES, 'fault-ticks'].flatMap((queue) => [`${namespace}.${queue}`, `${namespace}.${queue}.dead`]),
      ...cascade.queues.map((queue) => queue.name),
      `${namespace}.schedules`,
    ];
    const exchanges = [...['tasks', 'dead'].map((name) => `${namespace}.${name}`), ...cascade.exchanges.map((exchange) => exchange.name)];
    for (const queue of queues) await this.withChannel((channel) => channel.deleteQueue(queue)).catch(() => undefined);
    for (const exchange of exchanges) await this.withChannel((channel) => channel.deleteExchange(exchange)).catch(() => undefined);
  }

  async close(): Promise<void> {
    const connection = this.connection;
    this.connection = undefined;
    if (connection) await (await connection.catch(() => undefined))?.close().catch(() => {});
  }

  private open(): Promise<ChannelModel> {
    this.connection ??= (async () => {
      const connection = await this.connectAny();
      const forget = () => {
        if (this.connection === opened) this.connection = undefined;
      };
      connection.on('error', () => {});
      connection.on('close', forget);
      return connection;
    })();
    const opened = this.connection;
    opened.catch(() => {
      if (this.connection === opened) this.connection = undefined;
    });
    return opened;
  }

  private async connectAny(): Promise<ChannelModel> {
    let last: unknown;
    for (const url of this.urls) {
      try {
        return await amqp.connect(url, { noDelay: true, clientProperties: { connection_name: 'warren fault suite inspector' } });
      } catch (error) {
        last = error;
      }
    }
    throw last instanceof Error ? last : new Error(String(last));
  }

  /** A fresh channel for `fn`; if the connection was dead (a fault closed it), one more try on a new one. */
  private async withChannel<T>(fn: (channel: Channel) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      let channel: Channel;
      try {
        channel = await (await this.open()).createChannel();
      } catch (error) {
        this.connection = undefined;
        if (attempt >= 2) throw error;
        continue;
      }
      channel.on('error', () => {});
      try {
        return await fn(channel);
      } finally {
        await channel.close().catch(() => {});
      }
    }
  }
}
