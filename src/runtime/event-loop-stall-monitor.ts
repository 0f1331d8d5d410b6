import { performance } from 'node:perf_hooks';

/** One stall of the event loop, noticed once the loop was free again. */
export interface EventLoopStall {
  /** How long the loop could not run a timer, at least (ms). */
  readonly stalledMs: number;
  /** performance.now() when the monitor noticed it (the stall ended by then). */
  readonly noticedAt: number;
}

export interface EventLoopStallMonitorOptions {
  /** A stall at least this long is reported (ms, > 0). */
  readonly thresholdMs: number;
  /** Called on every tick with the stall it ended, if any: a caller may keep only what happened since the previous tick. */
  readonly onTick: (stall: EventLoopStall | undefined) => void;
}

/**
 * A timer-drift probe: a timer every `interval` ms that finds itself late by more than the
 * threshold saw the loop blocked for at least that long. Unlike a histogram
 * (monitorEventLoopDelay), it says when a stall ended, so the caller can name what was running.
 * The timer is unref'd: it never keeps a process alive.
 */
export class EventLoopStallMonitor {
  private timer: NodeJS.Timeout | undefined;
  private last = 0;
  readonly intervalMs: number;

  constructor(private readonly options: EventLoopStallMonitorOptions) {
    if (!(options.thresholdMs > 0)) throw new RangeError(`thresholdMs must be positive (got ${options.thresholdMs})`);
    // Checking at half the threshold or every 250 ms: a stall shows at most that much shorter than it was.
    this.intervalMs = Math.max(10, Math.min(250, Math.floor(options.thresholdMs / 2)));
  }

  start(): void {
    if (this.timer) return;
    this.last = performance.now();
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    const now = performance.now();
    const stalledMs = Math.round(now - this.last - this.intervalMs);
    this.last = now;
    this.options.onTick(stalledMs >= this.options.thresholdMs ? { stalledMs, noticedAt: now } : undefined);
  }
}
