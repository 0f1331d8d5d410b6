import type { Channel, ChannelModel } from 'amqplib';
import { TopologyMismatchError, TransportError, describe } from '../errors';
import type { QueueDeclaration, Topology } from '../topology/topology';
import { describeDifferences, queueArgumentDifferences, queueTypeMismatch } from './queue-mismatch';

/** One declaration: what it names (for the error) and the queue it declares, if it does. */
interface Step {
  readonly entity: string;
  readonly queue?: QueueDeclaration;
  run(channel: Channel): Promise<unknown>;
}

/**
 * Declares topologies on throwaway channels, up to `parallel` of them: a failed declaration
 * closes its channel, and no other channel should go with it. A channel answers one declaration
 * at a time, so a runtime with many queues spreads them over several, in three passes on the
 * same channels: the exchanges (bindings need them); each queue with its bindings, and the
 * exchange-to-exchange bindings; then the stale bindings, once every binding that replaces one is
 * in place. An exchange several topologies name is declared once.
 */
export async function declareOn(connection: ChannelModel, topologies: Topology | readonly Topology[], parallel = 1): Promise<void> {
  const all = Array.isArray(topologies) ? (topologies as readonly Topology[]) : [topologies as Topology];
  const exchanges = new Map(all.flatMap((topology) => topology.exchanges).map((exchange) => [exchange.name, exchange]));
  const byQueue = new Map<string, Step[]>();
  const stepsOf = (queue: string): Step[] => {
    let steps = byQueue.get(queue);
    if (!steps) byQueue.set(queue, (steps = []));
    return steps;
  };
  for (const queue of all.flatMap((topology) => topology.queues)) stepsOf(queue.name).push({ entity: queue.name, queue, run: (channel) => channel.assertQueue(queue.name, { durable: queue.durable, arguments: queue.arguments }) });
  for (const binding of all.flatMap((topology) => topology.bindings)) stepsOf(binding.queue).push({ entity: binding.queue, run: (channel) => channel.bindQueue(binding.queue, binding.exchange, binding.routingKey, binding.arguments ?? {}) });
  const exchangeBindings: Step[] = all.flatMap((topology) => topology.exchangeBindings ?? []).map((binding) => ({ entity: binding.source, run: (channel) => channel.bindExchange(binding.destination, binding.source, binding.routingKey, binding.arguments ?? {}) }));
  const unbindings: Step[] = all.flatMap((topology) => topology.unbindings ?? []).map((binding) => ({ entity: binding.queue, run: (channel) => channel.unbindQueue(binding.queue, binding.exchange, binding.routingKey, binding.arguments ?? {}) }));

  const lanes = new Lanes(connection, parallel);
  try {
    await lanes.run([...exchanges.values()].map((exchange) => ({ entity: exchange.name, run: (channel) => channel.assertExchange(exchange.name, exchange.type, { durable: exchange.durable }) })));
    // A queue's steps stay together and in order: declared, then bound.
    await lanes.run([...byQueue.values()].flat().concat(exchangeBindings), (step) => step.queue?.name ?? step.entity);
    // Each on any lane: there can be a few thousand, on a few queues.
    await lanes.run(unbindings, (_step, index) => index);
  } finally {
    await lanes.close();
  }
}

/** Up to `parallel` channels, opened as a pass needs them and kept for the next pass. */
class Lanes {
  private readonly channels: Array<Promise<Channel>> = [];

  constructor(
    private readonly connection: ChannelModel,
    private readonly parallel: number,
  ) {}

  /**
   * Runs the steps over as many lanes as there are groups, up to `parallel`; steps with the same
   * group key share a lane, in order. Once a step fails no lane starts another; rejects with the
   * first failure, named, once the running steps have settled.
   */
  async run(steps: readonly Step[], groupOf: (step: Step, index: number) => unknown = (step) => step.entity): Promise<void> {
    if (steps.length === 0) return;
    const laneOfGroup = new Map<unknown, Step[]>();
    const lanes: Step[][] = [];
    for (const [index, step] of steps.entries()) {
      const group = groupOf(step, index);
      let lane = laneOfGroup.get(group);
      if (!lane) {
        lane = lanes.length < this.parallel ? (lanes[lanes.length] = []) : (lanes[laneOfGroup.size % this.parallel] as Step[]);
        laneOfGroup.set(group, lane);
      }
      lane.push(step);
    }
    let failure: { error: unknown } | undefined;
    await Promise.all(
      lanes.map(async (laneSteps, index) => {
        let current = laneSteps[0];
        try {
          const channel = await this.channel(index);
          for (const step of laneSteps) {
            if (failure) return;
            current = step;
            await step.run(channel);
          }
        } catch (error) {
          failure ??= { error: await declarationError(this.connection, current, error) };
        }
      }),
    );
    if (failure) throw failure.error;
  }

  async close(): Promise<void> {
    await Promise.all(this.channels.map(async (opening) => (await opening.catch(() => undefined))?.close().catch(() => {})));
  }

  private channel(index: number): Promise<Channel> {
    let opening = this.channels[index];
    if (!opening) {
      opening = this.connection.createChannel().then((channel) => {
        channel.on('error', () => {});
        return channel;
      });
      this.channels[index] = opening;
    }
    return opening;
  }
}

async function declarationError(connection: ChannelModel, step: Step | undefined, error: unknown): Promise<Error> {
  const entity = step?.entity ?? '';
  if ((error as { code?: number }).code !== 406) return new TransportError(`Declaring '${entity}' failed: ${describe(error)}`, { cause: error });
  const message = (error as Error).message;
  const declaring = step?.queue;
  const differences = declaring ? await queueArgumentDifferences(connection, declaring.name, declaring.durable, declaring.arguments ?? {}, message).catch(() => []) : [];
  if (differences.length === 0) return new TopologyMismatchError(entity, message.replace(/^.*PRECONDITION_FAILED - /, ''), { cause: error });
  const typeChange = queueTypeMismatch(entity, differences, error);
  if (typeChange) return typeChange;
  return new TopologyMismatchError(
    entity,
    `${describeDifferences(differences)}. RabbitMQ cannot change a queue's arguments: delete the queue (rabbitmqctl delete_queue ${entity}; its messages go with it) ` +
      `and start again, or set limits such as x-max-length with a policy (rabbitmqctl set_policy), which does not conflict`,
    { cause: error, differences },
  );
}
