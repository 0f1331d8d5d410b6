import type { Channel, ChannelModel } from 'amqplib';
import { TopologyMismatchError, TransportError, describe } from '../errors';
import type { QueueDeclaration, Topology } from '../topology/topology';
import { eachBounded } from '../util/each-bounded';
import { describeDifferences, queueArgumentDifferences, queueTypeMismatch } from './queue-mismatch';

/** One declaration: what it names (for the error) and the queue it declares, if it does. */
interface Step {
  readonly entity: string;
  readonly queue?: QueueDeclaration;
  run(channel: Channel): Promise<unknown>;
}

/**
 * Declares a topology on throwaway channels, `parallel` at once: a failed declaration closes its
 * channel, and no other channel should go with it. A channel answers one declaration at a time,
 * so a runtime with many queues spreads them over several: the exchanges first (bindings need
 * them), then each queue with its bindings and unbindings, and the exchange-to-exchange bindings.
 */
export async function declareOn(connection: ChannelModel, topology: Topology, parallel = 1): Promise<void> {
  const exchanges: Step[] = topology.exchanges.map((exchange) => ({ entity: exchange.name, run: (channel) => channel.assertExchange(exchange.name, exchange.type, { durable: exchange.durable }) }));
  await runSteps(connection, exchanges, parallel);

  const byQueue = new Map<string, Step[]>();
  const stepsOf = (queue: string): Step[] => {
    let steps = byQueue.get(queue);
    if (!steps) byQueue.set(queue, (steps = []));
    return steps;
  };
  for (const queue of topology.queues) stepsOf(queue.name).push({ entity: queue.name, queue, run: (channel) => channel.assertQueue(queue.name, { durable: queue.durable, arguments: queue.arguments }) });
  for (const binding of topology.bindings) stepsOf(binding.queue).push({ entity: binding.queue, run: (channel) => channel.bindQueue(binding.queue, binding.exchange, binding.routingKey, binding.arguments ?? {}) });
  for (const binding of topology.unbindings ?? []) stepsOf(binding.queue).push({ entity: binding.queue, run: (channel) => channel.unbindQueue(binding.queue, binding.exchange, binding.routingKey, binding.arguments ?? {}) });
  const exchangeBindings: Step[] = (topology.exchangeBindings ?? []).map((binding) => ({ entity: binding.source, run: (channel) => channel.bindExchange(binding.destination, binding.source, binding.routingKey, binding.arguments ?? {}) }));
  // A queue's steps stay together and in order: declared, bound, then stale bindings removed.
  await runSteps(connection, [...byQueue.values()].flat().concat(exchangeBindings), parallel, (step) => step.queue?.name ?? step.entity);
}

/** Runs the steps in up to `parallel` lanes of one channel each; steps with the same group key share a lane, in order. */
async function runSteps(connection: ChannelModel, steps: readonly Step[], parallel: number, groupOf: (step: Step) => string = (step) => step.entity): Promise<void> {
  if (steps.length === 0) return;
  const lanes = Math.max(1, Math.min(parallel, steps.length));
  const laneSteps: Step[][] = Array.from({ length: lanes }, () => []);
  const laneOfGroup = new Map<string, number>();
  let nextLane = 0;
  for (const step of steps) {
    const group = groupOf(step);
    let lane = laneOfGroup.get(group);
    if (lane === undefined) laneOfGroup.set(group, (lane = nextLane++ % lanes));
    (laneSteps[lane] as Step[]).push(step);
  }
  await eachBounded(laneSteps, lanes, (laneOfSteps) => runLane(connection, laneOfSteps));
}

async function runLane(connection: ChannelModel, steps: readonly Step[]): Promise<void> {
  const channel = await connection.createChannel();
  channel.on('error', () => {});
  let current: Step | undefined;
  try {
    for (const step of steps) {
      current = step;
      await step.run(channel);
    }
  } catch (error) {
    throw await declarationError(connection, current, error);
  } finally {
    await channel.close().catch(() => {});
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
