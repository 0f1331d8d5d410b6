import type { QueueSummary } from '../admin/queue-admin';
import { WarrenError } from '../errors';

export interface QueueDepthCacheOptions {
  /** How long an answer (or a failure) is served before the broker is asked again. Default 2 000 ms. */
  readonly ttlMs?: number;
  /** How long one question to the broker may take; past it the answer is a failure. Default 3 000 ms. */
  readonly timeoutMs?: number;
}

/**
 * Queue depths, asked of the broker at most once per `ttlMs` however many scrapes and dashboards
 * ask: concurrent callers share one question in flight, and a failure is cached like an answer so
 * a scrape storm during a broker outage does not turn into a storm of broker calls.
 */
export class QueueDepthCache {
  private readonly ttlMs: number;
  private readonly timeoutMs: number;
  private latest: { at: number; result: Promise<QueueSummary[]> } | undefined;

  constructor(
    private readonly fetch: () => Promise<QueueSummary[]>,
    options: QueueDepthCacheOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 2_000;
    this.timeoutMs = options.timeoutMs ?? 3_000;
  }

  get(): Promise<QueueSummary[]> {
    const now = Date.now();
    if (this.latest && now - this.latest.at < this.ttlMs) return this.latest.result;
    const result = withTimeout(this.fetch(), this.timeoutMs);
    result.catch(() => {}); // every caller gets the rejection; an unawaited copy must not crash the process
    this.latest = { at: now, result };
    return result;
  }

  /** The next `get()` asks the broker: after a replay or a purge, the old depths are wrong. */
  invalidate(): void {
    this.latest = undefined;
  }
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new WarrenError(`The broker did not report queue depths within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
