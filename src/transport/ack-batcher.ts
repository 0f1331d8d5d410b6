import type { Channel, Message } from 'amqplib';

/**
 * Acknowledges a consumer channel's deliveries in batches. Acks settled in the same tick (one
 * socket read's deliveries and the promise chains they start) leave as one `basic.ack` with
 * `multiple` for the longest run of settled deliveries from the oldest, plus single acks for those
 * settled out of order: under load one frame acknowledges dozens of tasks, where one frame per
 * task was a large share of a no-op task's cost. `multiple` never covers a delivery still running:
 * it stops at the first unsettled one.
 *
 * The flush runs at the end of the tick (process.nextTick), before amqplib writes the channel's
 * frames out in the check phase: so an ack leaves in the same turn as a reply published in the
 * same tick on the same channel, right after it (see write-coalescing.ts for how that turn's
 * frames reach the socket).
 */
export class AckBatcher {
  /** Delivery tags in the order the broker sent them (ascending), not yet acknowledged. */
  private readonly outstanding: number[] = [];
  private head = 0;
  private readonly settled = new Map<number, Message>();
  private scheduled = false;

  constructor(private readonly channel: Channel) {}

  delivered(message: Message): void {
    this.outstanding.push(message.fields.deliveryTag);
  }

  ack(message: Message): void {
    this.settled.set(message.fields.deliveryTag, message);
    if (!this.scheduled) {
      this.scheduled = true;
      process.nextTick(() => this.flush());
    }
  }

  /** Nacks go out at once, after the acks settled before them, so the broker sees them in order. */
  nack(message: Message, requeue: boolean): void {
    this.flush();
    this.forget(message.fields.deliveryTag);
    this.channel.nack(message, false, requeue);
  }

  flush(): void {
    this.scheduled = false;
    if (this.settled.size === 0) return;
    try {
      this.send();
    } catch {
      // The channel closed: the broker requeues what it had not seen acknowledged.
      this.settled.clear();
    }
  }

  private send(): void {
    let lastInRun: Message | undefined;
    while (this.head < this.outstanding.length) {
      const message = this.settled.get(this.outstanding[this.head] as number);
      if (!message) break;
      this.settled.delete(message.fields.deliveryTag);
      lastInRun = message;
      this.head++;
    }
    if (lastInRun) this.channel.ack(lastInRun, true);
    for (const message of this.settled.values()) {
      this.forget(message.fields.deliveryTag);
      this.channel.ack(message);
    }
    this.settled.clear();
    this.compact();
  }

  private forget(tag: number): void {
    const index = this.outstanding.indexOf(tag, this.head);
    if (index >= 0) this.outstanding.splice(index, 1);
  }

  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.outstanding.length) {
      this.outstanding.splice(0, this.head);
      this.head = 0;
    }
  }
}
