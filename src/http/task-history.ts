import type { TaskEvent } from '../runtime/task-event';

/** A task event as the dashboard shows it: stamped with when it finished, the stack cut short. */
export interface RecordedTask {
  readonly taskId: string;
  readonly task: string;
  readonly queue: string;
  readonly pool: TaskEvent['pool'];
  readonly outcome: TaskEvent['outcome'];
  readonly durationMs: number;
  readonly waitMs?: number;
  readonly attempt: number;
  readonly threadId: number;
  /** When this server heard of it (epoch ms): task events carry no finish time of their own. */
  readonly at: number;
  readonly error?: { readonly name: string; readonly message: string; readonly stack?: string };
  readonly nextAttemptAt?: number;
  readonly traceId?: string;
}

/** One second of finished tasks, for the charts. */
export interface SecondSummary {
  /** The second (epoch seconds). */
  readonly t: number;
  readonly succeeded: number;
  readonly retried: number;
  readonly failed: number;
  readonly rejected: number;
  readonly expired: number;
  readonly scheduled: number;
  /** Run-time percentiles of the tasks that finished in this second; absent when none did. */
  readonly p50Ms?: number;
  readonly p95Ms?: number;
  readonly maxMs?: number;
}

interface Bucket {
  readonly t: number;
  readonly counts: Record<TaskEvent['outcome'], number>;
  /** A uniform sample of the second's durations: percentiles stay cheap however busy the second. */
  readonly sample: number[];
  seen: number;
  maxMs: number;
  readonly byQueue: Map<string, number>;
}

const SAMPLE_SIZE = 512;
const STACK_LIMIT = 4_096;

/**
 * The last couple of minutes of task events in per-second buckets, and the latest events
 * themselves: what the dashboard draws on load, before its live stream takes over.
 */
export class TaskHistory {
  private readonly buckets = new Map<number, Bucket>();
  private readonly recentTasks: RecordedTask[] = [];
  private readonly recentFailures: RecordedTask[] = [];

  constructor(
    private readonly keepSeconds = 120,
    private readonly keepEvents = 50,
  ) {}

  record(event: TaskEvent, now = Date.now()): RecordedTask {
    const recorded = toRecorded(event, now);
    const bucket = this.bucket(Math.floor(now / 1000));
    bucket.counts[event.outcome]++;
    bucket.seen++;
    bucket.maxMs = Math.max(bucket.maxMs, event.durationMs);
    if (bucket.sample.length < SAMPLE_SIZE) bucket.sample.push(event.durationMs);
    else {
      const slot = Math.floor(Math.random() * bucket.seen);
      if (slot < SAMPLE_SIZE) bucket.sample[slot] = event.durationMs;
    }
    bucket.byQueue.set(event.queue, (bucket.byQueue.get(event.queue) ?? 0) + 1);
    pushCapped(this.recentTasks, recorded, this.keepEvents);
    if (event.outcome !== 'succeeded' && event.outcome !== 'scheduled') pushCapped(this.recentFailures, recorded, this.keepEvents);
    return recorded;
  }

  /** The last `count` complete seconds, oldest first, with empty seconds filled in. */
  seconds(count = 60, now = Date.now()): SecondSummary[] {
    const current = Math.floor(now / 1000);
    return Array.from({ length: count }, (_, i) => this.summary(current - count + i));
  }

  summary(t: number): SecondSummary {
    const bucket = this.buckets.get(t);
    if (!bucket || bucket.seen === 0) return { t, succeeded: 0, retried: 0, failed: 0, rejected: 0, expired: 0, scheduled: 0 };
    const sorted = [...bucket.sample].sort((a, b) => a - b);
    return { t, ...bucket.counts, p50Ms: percentile(sorted, 0.5), p95Ms: percentile(sorted, 0.95), maxMs: bucket.maxMs };
  }

  /** Tasks per second a queue finished over the last `windowSeconds` complete seconds. */
  rate(queue: string, windowSeconds = 10, now = Date.now()): number {
    const current = Math.floor(now / 1000);
    let total = 0;
    for (let t = current - windowSeconds; t < current; t++) total += this.buckets.get(t)?.byQueue.get(queue) ?? 0;
    return total / windowSeconds;
  }

  /** Newest first. */
  recent(): readonly RecordedTask[] {
    return [...this.recentTasks].reverse();
  }

  /** Retries, failures and rejections, newest first. */
  failures(): readonly RecordedTask[] {
    return [...this.recentFailures].reverse();
  }

  private bucket(t: number): Bucket {
    let bucket = this.buckets.get(t);
    if (!bucket) {
      bucket = { t, counts: { succeeded: 0, retried: 0, failed: 0, rejected: 0, expired: 0, scheduled: 0 }, sample: [], seen: 0, maxMs: 0, byQueue: new Map() };
      this.buckets.set(t, bucket);
      for (const old of this.buckets.keys()) if (old <= t - this.keepSeconds) this.buckets.delete(old);
    }
    return bucket;
  }
}

function toRecorded(event: TaskEvent, at: number): RecordedTask {
  const { error } = event;
  return {
    taskId: event.taskId,
    task: event.task,
    queue: event.queue,
    pool: event.pool,
    outcome: event.outcome,
    durationMs: event.durationMs,
    waitMs: event.waitMs,
    attempt: event.attempt,
    threadId: event.threadId,
    at,
    error: error && { name: error.name, message: error.message, stack: error.stack?.slice(0, STACK_LIMIT) },
    nextAttemptAt: event.nextAttemptAt,
    traceId: event.traceId,
  };
}

function pushCapped<T>(list: T[], item: T, limit: number): void {
  list.push(item);
  if (list.length > limit) list.shift();
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
}
