import { BrokerBlockedError } from '../errors';
import type { Transport } from './transport';

/**
 * A transport whose broker can block its publishes: RabbitMQ under a memory or disk alarm sends
 * `connection.blocked` with a reason ("low on memory"), then `connection.unblocked`. The memory
 * transport never blocks.
 */
export interface BlockingSource {
  /** The broker's reason while it blocks this connection's publishes; undefined otherwise. */
  readonly blockedBy: string | undefined;
}

/** Why the broker blocks this transport's publishes now, or undefined (never, for a transport that cannot be blocked). */
export function blockedReason(transport: Transport): string | undefined {
  return (transport as Partial<BlockingSource>).blockedBy;
}

/**
 * One connection's blocked state, between RabbitMQ's `connection.blocked` and `connection.unblocked`.
 * Once blocked, the broker reads nothing more from the connection: not publishes, confirms' acks,
 * channel opens or closes. So a publish waits here (unsent) for the block to end, within its
 * deadline; one already sent fails at its deadline while the block lasts; anything that needs a
 * new channel is refused at once.
 */
export class PublishBlock {
  private reason: string | undefined;
  private waiters: Array<() => void> = [];
  /** Publishes sent and waiting for their confirm. */
  private readonly unconfirmed = new Set<{ deadline: number; fail: (reason: string) => void }>();

  constructor(
    private readonly publishTimeoutMs: number,
    private readonly onChange: (blocked: boolean, reason: string | undefined) => void,
  ) {}

  /** The broker's reason while it blocks the connection. */
  get blockedBy(): string | undefined {
    return this.reason;
  }

  blocked(reason: string): void {
    this.reason = reason;
    this.onChange(true, reason);
    this.failExpired();
  }

  /** `quietly`: the connection is gone, and its successor starts unblocked; nothing to announce. */
  unblocked(quietly = false): void {
    const reason = this.reason;
    if (reason === undefined) return;
    this.reason = undefined;
    if (!quietly) this.onChange(false, reason);
    for (const resolve of this.waiters.splice(0)) resolve();
  }

  /** Resolves at once when not blocked; else when the block ends, or fails at the deadline naming the alarm. */
  async waitUntilUnblocked(deadline: number): Promise<void> {
    while (this.reason !== undefined) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new BrokerBlockedError(this.reason, `the message was not sent (waited ${this.publishTimeoutMs} ms for the alarm to clear)`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Throws at once while blocked: `what` (a channel it would need) could only wait for the alarm. */
  refuse(what: string): void {
    if (this.reason !== undefined) throw new BrokerBlockedError(this.reason, `${what} until the alarm clears (the broker reads nothing from a blocked connection)`);
  }

  /** Tracks a sent publish until `settle`; while blocked, `reject` gets a BrokerBlockedError at its deadline. */
  track(deadline: number, target: string, reject: (error: Error) => void): { settle(): void } {
    const entry = {
      deadline,
      fail: (reason: string) => {
        this.unconfirmed.delete(entry);
        reject(new BrokerBlockedError(reason, `the message to ${target} was sent but not confirmed within ${this.publishTimeoutMs} ms; the broker may still take it once the alarm clears`));
      },
    };
    this.unconfirmed.add(entry);
    if (this.reason !== undefined) this.failExpired(); // blocked while this publish waited for its channel
    return { settle: () => this.unconfirmed.delete(entry) };
  }

  /** While blocked: fails each unconfirmed publish at its deadline, with one timer for all (none when not blocked). */
  private failExpired(): void {
    const reason = this.reason;
    if (reason === undefined || this.unconfirmed.size === 0) return;
    const now = Date.now();
    let next = Number.POSITIVE_INFINITY;
    for (const entry of [...this.unconfirmed]) {
      if (now >= entry.deadline) entry.fail(reason);
      else next = Math.min(next, entry.deadline);
    }
    if (Number.isFinite(next)) setTimeout(() => this.failExpired(), next - now).unref();
  }
}
