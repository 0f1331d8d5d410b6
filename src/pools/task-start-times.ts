/** Slots for tasks handed to the pool and not finished; more than any prefetch in use. */
const SLOTS = 4096;
const NOT_STARTED = 0n;

const BYTES = SLOTS * (BigInt64Array.BYTES_PER_ELEMENT + Int32Array.BYTES_PER_ELEMENT);

/**
 * When each CPU task started in its worker thread, and on which thread, in memory shared by the
 * main thread and the workers: a worker writes both into its task's slot as it starts, and the
 * main thread reads them when a hard time limit comes due or someone asks what runs where. No
 * message per task: a message port per task cost more than the tiny tasks it timed.
 */
export class TaskStartTimes {
  private readonly times: BigInt64Array;
  private readonly threads: Int32Array;
  private readonly free: number[] = [];

  constructor(readonly buffer = new SharedArrayBuffer(BYTES)) {
    ({ times: this.times, threads: this.threads } = startTimesView(buffer));
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

  /** The worker thread running the task in `slot`, once it started. */
  threadOf(slot: number): number | undefined {
    return this.startedAt(slot) === undefined ? undefined : Atomics.load(this.threads, slot);
  }

  give(slot: number): void {
    this.free.push(slot);
  }
}

/** Views of the shared start times and threads, made once per thread. */
export interface StartTimesView {
  readonly times: BigInt64Array;
  readonly threads: Int32Array;
}

export function startTimesView(buffer: SharedArrayBuffer): StartTimesView {
  return { times: new BigInt64Array(buffer, 0, SLOTS), threads: new Int32Array(buffer, SLOTS * BigInt64Array.BYTES_PER_ELEMENT, SLOTS) };
}

/** Worker side: marks the task in `slot` started now, on this thread. The thread first: a reader that sees the time sees it. */
export function markStarted(view: StartTimesView, slot: number, threadId: number): void {
  Atomics.store(view.threads, slot, threadId);
  Atomics.store(view.times, slot, BigInt(Date.now()));
}
