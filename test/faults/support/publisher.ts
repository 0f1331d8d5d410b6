import pino from 'pino';
import { connect, type WarrenClient } from '../../../src';
import { FAULT_CONFIG } from './paths';

/** A Warren client on the scenario's namespace, publishing as an application would. */
export function openClient(url: string, namespace: string): Promise<WarrenClient> {
  return connect({ url, namespace, config: FAULT_CONFIG, logger: pino({ level: 'silent' }) });
}

export interface PublishReport {
  /** Ids of the tasks the broker confirmed: only these count as sent. */
  readonly ids: string[];
  /** Enqueues that failed (not confirmed), by error. */
  readonly failures: Map<string, number>;
}

export function failureCount(report: PublishReport): number {
  let count = 0;
  for (const n of report.failures.values()) count += n;
  return count;
}

export function describeFailures(report: PublishReport): string {
  return [...report.failures].map(([error, n]) => `${n}× ${error}`).join('; ');
}

function errorKey(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message.slice(0, 160)}` : String(error);
}

/** Publishes `count` tasks, `window` enqueues in flight at a time; resolves when every one was confirmed or failed. */
export async function publishAll(count: number, send: (index: number) => Promise<string>, window = 200): Promise<PublishReport> {
  const report: PublishReport = { ids: [], failures: new Map() };
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const index = next++;
      try {
        report.ids.push(await send(index));
      } catch (error) {
        const key = errorKey(error);
        report.failures.set(key, (report.failures.get(key) ?? 0) + 1);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(window, count) }, lane));
  return report;
}

/**
 * Steady publishing while a fault happens: at most `ratePerSecond` enqueues started per second,
 * `window` in flight, until `stop()` or `max` started. An enqueue that fails is counted by its
 * error and never retried by the suite (the client's own waiting is what is under test).
 */
export class LoadPublisher implements PublishReport {
  readonly ids: string[] = [];
  readonly failures = new Map<string, number>();
  private started = 0;
  private stopped = false;
  private readonly lanes: Promise<void>;
  private readonly t0 = Date.now();

  constructor(
    private readonly send: (index: number) => Promise<string>,
    private readonly options: { ratePerSecond: number; window: number; max: number },
  ) {
    this.lanes = Promise.all(Array.from({ length: options.window }, () => this.lane())).then(() => undefined);
  }

  /** Enqueues started so far (confirmed, failed or still waiting). */
  get attempted(): number {
    return this.started;
  }

  /** Enqueues started and not yet confirmed or failed: all of `window` while the client waits for the broker. */
  get waiting(): number {
    let failed = 0;
    for (const n of this.failures.values()) failed += n;
    return this.started - this.ids.length - failed;
  }

  /** Stops starting new enqueues and waits for those in flight to be confirmed or fail. */
  async stop(): Promise<PublishReport> {
    this.stopped = true;
    await this.lanes;
    return this;
  }

  private async lane(): Promise<void> {
    while (!this.stopped && this.started < this.options.max) {
      const index = this.started++;
      // Rate limit: enqueue number `index` is not started before its slot in the schedule.
      const slot = this.t0 + (index * 1000) / this.options.ratePerSecond;
      if (slot > Date.now()) await new Promise((resolve) => setTimeout(resolve, slot - Date.now()));
      if (this.stopped) {
        this.started--;
        return;
      }
      try {
        this.ids.push(await this.send(index));
      } catch (error) {
        const key = errorKey(error);
        this.failures.set(key, (this.failures.get(key) ?? 0) + 1);
      }
    }
  }
}
