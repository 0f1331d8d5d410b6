/** Slots for tasks handed to the pool and not finished; more than any prefetch in use. */
const SLOTS = 4096;
const NOT_STARTED = 0n;

/**
 * When each CPU task started in its worker thread, in memory shared by the main thread and the
 * workers: a worker writes the time into its task's slot as it starts, and the main thread reads
 * it when a hard time limit comes due. No message per task: a message port per task cost more
 * than the tiny tasks it timed.
 */
export class TaskStartTimes {
  private readonly times: BigInt64Array;
  private readonly free: number[] = [];

  constructor(readonly buffer = new SharedArrayBuffer(SLOTS * BigInt64Array.BYTES_PER_ELEMENT)) {
    this.times = new BigInt64Array(buffer);
    for (let slot = SLOTS - 1; slot >= 0; slot--) this.free.push(slot);
  }

  /** A slot for a task about to be handed over, or undefined when all are taken. */
  take(): number | undefined {
    const slot = this.free.pop();
    if (slot !== undefined) Atomics.store(this.times, slot, NOT_STARTED);
    return slot;
  }

  /** Epoch ms when the task in `slot` started, or undefined while it waits for a thread. */
  startedAt(slot: number): number | undefined {
    const at = Atomics.load(this.times, slot);
    return at === NOT_STARTED ? undefined : Number(at);
  }

  give(slot: number): void {
    this.free.push(slot);
  }
}

/** Worker side: a view of the shared start times, made once per worker. */
export function startTimesView(buffer: SharedArrayBuffer): BigInt64Array {
  return new BigInt64Array(buffer);
}

/** Worker side: marks the task in `slot` started now. */
export function markStarted(times: BigInt64Array, slot: number): void {
  Atomics.store(times, slot, BigInt(Date.now()));
}
