import type { QueueSummary } from '../admin/queue-admin';
import { WarrenError } from '../errors';

export interface QueueDepthCacheOptions {
  /** How long an answer (or a failure) is served before the broker is asked again. Default 2 000 ms. */
  readonly ttlMs?: number;
  /** How long one question to the broker may take; past it the answer is a failure. Default 3 000 ms. */
  readonly timeoutMs?: number;
}

/** The depths to show now: the broker's latest answer, how old it is, and why the last question failed, if it did. */
export interface KnownDepths {
  readonly summaries: readonly QueueSummary[];
  /** Since the answer came; undefined when there has never been one. */
  readonly ageMs: number | undefined;
  readonly error: Error | undefined;
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
  private answered: { at: number; summaries: QueueSummary[] } | undefined;
  private failure: Error | undefined;

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
    result.then(
      (summaries) => {
        this.answered = { at: Date.now(), summaries };
        this.failure = undefined;
      },
      (error: Error) => (this.failure = error), // every caller gets the rejection; this copy must not crash the process
    );
    this.latest = { at: now, result };
    return result;
  }

  /**
   * What to show now, at once: the latest answer however old, while a newer one is asked for
   * (during an outage a scrape must not wait out the broker's timeout, or `warren_runtime_ready 0`
   * is lost exactly when it matters). Waits only when there has never been an answer.
   */
  async known(): Promise<KnownDepths> {
    const asking = this.get();
    if (!this.answered) {
      try {
        await asking;
      } catch {
        // reported below
      }
    }
    const answered = this.answered;
    return { summaries: answered?.summaries ?? [], ageMs: answered ? Date.now() - answered.at : undefined, error: this.failure };
  }

  /** The next `get()` asks the broker, and `known()` waits for it: after a replay or a purge, the old depths are wrong. */
  invalidate(): void {
    this.latest = undefined;
    this.answered = undefined; // known wrong: the next known() waits for the fresh answer
  }
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    // unref: a question still waiting for the broker must not keep a stopping process alive.
    timer = setTimeout(() => reject(new WarrenError(`The broker did not report queue depths within ${ms} ms`)), ms).unref();
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
