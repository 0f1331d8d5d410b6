/**
 * Classic or quorum, per queue. Quorum queues are Raft-replicated: on a cluster they keep their
 * messages when a node dies. Classic is the default because it is what queues declared before
 * this option are: declaring one with another type fails (RabbitMQ cannot change a queue's type).
 */
export type QueueType = 'classic' | 'quorum';

export const QUEUE_TYPES: readonly QueueType[] = ['classic', 'quorum'];

/** The type of every queue Warren declares durably: the work queues (with their dead-letter queues) and the delay cascade. */
export interface QueueTypes {
  /** The namespace's own queues: the delay cascade every work queue shares. */
  readonly namespace: QueueType;
  /** A work queue and its dead-letter queue, by the queue's short name. */
  of(queue: string): QueueType;
  /**
   * `x-delivery-limit` of quorum work queues: the broker's own bound on deliveries that end
   * without an acknowledgement. One above `maxRedeliveries`, so the runtime, reading the broker's
   * `x-delivery-count`, dead-letters a poison message first, with its reason and its caller told;
   * the broker's limit catches the one the runtime could not.
   */
  readonly deliveryLimit: number;
}

/** What decides the types: `broker.queueType`, `queues.<name>.queueType` and `maxRedeliveries`. */
export interface QueueTypeSettings {
  readonly broker: { readonly queueType: QueueType };
  readonly queues: Readonly<Record<string, { readonly queueType?: QueueType }>>;
  readonly maxRedeliveries: number;
}

/** Pure: the types a config asks for. A queue's own setting wins over `broker.queueType`. */
export function queueTypesOf(settings: QueueTypeSettings): QueueTypes {
  return {
    namespace: settings.broker.queueType,
    of: (queue) => settings.queues[queue]?.queueType ?? settings.broker.queueType,
    deliveryLimit: settings.maxRedeliveries + 1,
  };
}

/** Every queue classic: what a topology built without settings declares. */
export const CLASSIC_QUEUES: QueueTypes = { namespace: 'classic', of: () => 'classic', deliveryLimit: 6 };

/**
 * Pure: the arguments a queue of this type adds to its own. Classic adds none, so queues declared
 * before queue types existed stay equivalent. A quorum queue that dead-letters does so at least
 * once (RabbitMQ only honours that with `x-overflow: reject-publish`): a message leaves it only
 * once its dead-letter target has confirmed it, so a retry or a dead letter in transit survives a
 * node's death.
 */
export function queueTypeArguments(type: QueueType, options: { deadLetters: boolean; deliveryLimit?: number }): Record<string, string | number> {
  if (type === 'classic') return {};
  const args: Record<string, string | number> = { 'x-queue-type': 'quorum' };
  if (options.deadLetters) Object.assign(args, { 'x-dead-letter-strategy': 'at-least-once', 'x-overflow': 'reject-publish' });
  if (options.deliveryLimit !== undefined) args['x-delivery-limit'] = options.deliveryLimit;
  return args;
}
