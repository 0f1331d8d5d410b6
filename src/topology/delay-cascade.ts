import { queueTypeArguments, type QueueType } from './queue-types';
import type { BindingDeclaration, ExchangeBindingDeclaration, ExchangeDeclaration, QueueDeclaration, TopologyNames } from './topology';

/**
 * Delays on plain RabbitMQ, exact to the millisecond, with no plugin and nothing held in a
 * runtime's memory. Level k is a TTL queue of 2^k ms; a delay is written in binary and the
 * message waits in the level of each 1 digit, from the highest down: 37 000 ms waits in the
 * levels of 2^15, 2^12, 2^7 and 2^3 ms. Each level has a headers exchange that sends a message
 * to its queue when its digit is 1 and on to the next level's exchange when it is 0; a queue's
 * expired messages go to the next level's exchange too, and after level 0 to the tasks exchange
 * by their task name. One TTL per queue means messages leave each level in the order they
 * entered, so a long delay never holds a short one behind it.
 */

/** Levels 2^0 ... 2^30 ms. A pass through all of them is at most 2^31 - 1 ms (24.8 days); a longer delay takes several passes. */
export const DELAY_LEVELS = 31;

/** The longest delay one pass through the levels can serve. */
export const MAX_PASS_DELAY_MS = 2 ** DELAY_LEVELS - 1;

/** The header that holds a message's digit for one level, `warren-delay-07`. Not `x-`: RabbitMQ's headers exchange ignores such binding arguments. */
export function delayDigitHeader(level: number): string {
  return `warren-delay-${String(level).padStart(2, '0')}`;
}

/** Every digit header: what a copy leaving the cascade may still carry. */
export const DELAY_DIGIT_HEADERS: readonly string[] = Array.from({ length: DELAY_LEVELS }, (_, level) => delayDigitHeader(level));

/** Where a delayed message enters the cascade and the digits it carries, or undefined for no wait. */
export interface CascadeEntry {
  /** The level whose exchange the message is published to: its highest 1 digit. */
  readonly level: number;
  /** The delay this pass serves, at most MAX_PASS_DELAY_MS: what is left is served by the next pass. */
  readonly delayMs: number;
  readonly headers: Readonly<Record<string, 0 | 1>>;
}

/** Pure: the route of a delay through the cascade. A delay under 1 ms needs no wait (undefined). */
export function cascadeEntry(delayMs: number): CascadeEntry | undefined {
  const pass = Math.min(MAX_PASS_DELAY_MS, Math.ceil(delayMs));
  if (!(pass >= 1)) return undefined;
  const level = Math.floor(Math.log2(pass));
  const headers: Record<string, 0 | 1> = {};
  // Bitwise operators are 32-bit signed: 2^30 is the highest level, so they still hold.
  for (let k = level; k >= 0; k--) headers[delayDigitHeader(k)] = (pass >> k) & 1 ? 1 : 0;
  return { level, delayMs: pass, headers };
}

/** Pure: the levels a message of this delay waits in, highest first (what a test or an operator checks). */
export function levelsWaitedIn(delayMs: number): number[] {
  const entry = cascadeEntry(delayMs);
  if (!entry) return [];
  return Object.entries(entry.headers)
    .filter(([, digit]) => digit === 1)
    .map(([header]) => Number(header.slice('warren-delay-'.length)));
}

/**
 * Pure: the exchanges, queues and bindings of the cascade for a namespace. Idempotent to declare
 * again. Quorum levels (RabbitMQ 3.10 or later: queue TTL on quorum queues) hand an expired
 * message on at least once, so a retry or countdown waiting in them outlives a node.
 */
export function buildDelayCascade(
  names: TopologyNames,
  type: QueueType = 'classic',
): {
  exchanges: ExchangeDeclaration[];
  queues: QueueDeclaration[];
  bindings: BindingDeclaration[];
  exchangeBindings: ExchangeBindingDeclaration[];
} {
  const exchanges: ExchangeDeclaration[] = [];
  const queues: QueueDeclaration[] = [];
  const bindings: BindingDeclaration[] = [];
  const exchangeBindings: ExchangeBindingDeclaration[] = [];
  for (let level = DELAY_LEVELS - 1; level >= 0; level--) {
    const exchange = names.delayLevelExchange(level);
    const next = level === 0 ? names.tasksExchange : names.delayLevelExchange(level - 1);
    const queue = names.delayLevelQueue(level);
    const digit = delayDigitHeader(level);
    exchanges.push({ name: exchange, type: 'headers', durable: true });
    queues.push({ name: queue, durable: true, arguments: { 'x-message-ttl': 2 ** level, 'x-dead-letter-exchange': next, ...queueTypeArguments(type, { deadLetters: true }) } });
    bindings.push({ queue, exchange, routingKey: '', arguments: { 'x-match': 'all', [digit]: 1 } });
    exchangeBindings.push({ destination: next, source: exchange, routingKey: '', arguments: { 'x-match': 'all', [digit]: 0 } });
  }
  return { exchanges, queues, bindings, exchangeBindings };
}
