import { performance, type EventLoopUtilization } from 'node:perf_hooks';

/** One stall of the event loop, noticed once the loop was free again. */
export interface EventLoopStall {
  /** How long the loop could not run a timer, at least (ms). */
  readonly stalledMs: number;
  /** performance.now() when the monitor noticed it (the stall ended by then). */
  readonly noticedAt: number;
  /** performance.now() the stall ended after. */
  readonly endedAfter: number;
}

export interface EventLoopStallMonitorOptions {
  /** A stall at least this long is reported (ms, > 0). */
  readonly thresholdMs: number;
  /** Called on every tick with the stall it ended, if any: a caller may keep only what happened since the previous tick. */
  readonly onTick: (stall: EventLoopStall | undefined) => void;
  /** True while there is work on the loop to watch closely (I/O tasks in flight). */
  readonly busy?: () => boolean;
}

/** Below this share of a window spent running, with nothing busy, the loop is idle. */
const IDLE_UTILIZATION = 0.01;

/**
 * A timer-drift probe: a timer every `intervalMs` that finds itself late by more than the
 * threshold saw the loop blocked for at least that long. Unlike a histogram
 * (monitorEventLoopDelay), it says when a stall ended, so the caller can name what was running.
 *
 * While the loop is idle it ticks once per threshold instead: every stall of at least the
 * threshold still makes that tick late, and its length is then the time the loop spent running
 * in the window (performance.eventLoopUtilization), which is the stall's plus whatever little
 * else ran. So an idle process wakes about once a second, not four times. The timer is unref'd:
 * it never keeps a process alive.
 */
export class EventLoopStallMonitor {
  private timer: NodeJS.Timeout | undefined;
  private last = 0;
  private utilization: EventLoopUtilization | undefined;
  /** The interval of the window being timed now. */
  private currentMs = 0;
  /** The interval while there is work, and after any window that was not idle. */
  readonly intervalMs: number;
  /** The interval while the loop is idle: at most the threshold, so a stall cannot fit between two ticks. */
  readonly idleIntervalMs: number;

  constructor(private readonly options: EventLoopStallMonitorOptions) {
    if (!(options.thresholdMs > 0)) throw new RangeError(`thresholdMs must be positive (got ${options.thresholdMs})`);
    // Checking at half the threshold or every 250 ms: a stall shows at most that much shorter than it was.
    this.intervalMs = Math.max(10, Math.min(250, Math.floor(options.thresholdMs / 2)));
    this.idleIntervalMs = Math.max(this.intervalMs, Math.floor(options.thresholdMs));
  }

  start(): void {
    if (this.timer) return;
    this.last = performance.now();
    this.utilization = performance.eventLoopUtilization();
    this.schedule(this.intervalMs);
  }

  /** The interval of the window being timed now: `intervalMs`, or `idleIntervalMs` while idle. */
  get windowMs(): number {
    return this.currentMs;
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(ms: number): void {
    this.currentMs = ms;
    this.timer = setTimeout(() => this.tick(), ms);
    this.timer.unref();
  }

  private tick(): void {
    const now = performance.now();
    const window = performance.eventLoopUtilization(this.utilization);
    this.utilization = performance.eventLoopUtilization();
    const lateMs = now - this.last - this.currentMs;
    const idleWindow = this.currentMs !== this.intervalMs;
    // A late tick after an idle window: the loop ran from the stall's start until now, and little else ran.
    const stalledMs = Math.round(!idleWindow ? lateMs : lateMs > 0 ? Math.max(lateMs, Math.min(window.active, now - this.last)) : 0);
    const stall = stalledMs >= this.options.thresholdMs ? { stalledMs, noticedAt: now, endedAfter: idleWindow ? now - lateMs : now - this.intervalMs } : undefined;
    this.last = now;
    this.options.onTick(stall);
    if (!this.timer) return;
    const idle = !stall && window.utilization < IDLE_UTILIZATION && !(this.options.busy?.() ?? false);
    this.schedule(idle ? this.idleIntervalMs : this.intervalMs);
  }
}
