import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { WarrenClient } from '../../../src';
import type { Broker, Inspector, QueuedMessage } from './broker';
import { FAULT_QUEUES, type FaultQueue } from './paths';
import { openClient } from './publisher';
import { RecordFile } from './records';
import { describeExit, RuntimeProcess } from './runtime-process';
import { tally, type Tally } from './tally';
import { waitFor, type WaitOptions } from './wait';
import type { PostgresNode } from '../../support/postgres-node';

export type ScenarioStatus = 'passed' | 'failed' | 'skipped';

/** One row of the report. */
export interface ScenarioResult {
  readonly id: string;
  readonly title: string;
  readonly status: ScenarioStatus;
  readonly sent: number;
  readonly completed: number;
  readonly duplicated: number;
  readonly deadLettered: number;
  readonly lost: number;
  /** A process crashed on purpose: a task may complete twice (its acknowledgement died with it). */
  readonly duplicatesAllowed: boolean;
  readonly durationMs: number;
  readonly failures: readonly string[];
  readonly notes: readonly string[];
}

export interface Scenario {
  /** Short id, used for file names and the CLI filter. */
  readonly id: string;
  readonly title: string;
  readonly duplicatesAllowed: boolean;
  /** Needs rabbitmqctl on the node (skipped on an external broker given by URL only). */
  readonly needsNodeControl?: boolean;
  /** Needs a PostgreSQL server it may restart (the result-store scenarios). */
  readonly needsPostgres?: boolean;
  /** Hard bound on the whole scenario. */
  readonly timeoutMs: number;
  run(context: ScenarioContext): Promise<void>;
}

export interface ScenarioDirs {
  readonly records: string;
  readonly logs: string;
}

/**
 * What a scenario works with: its own namespace and record file, runtime processes it starts
 * (all killed at the end), a client, the broker inspector, and the checks it records.
 */
export class ScenarioContext {
  readonly namespace: string;
  readonly records: RecordFile;
  /** Ids of the tasks the broker confirmed: what the scenario is judged on. */
  readonly sent = new Set<string>();
  readonly failures: string[] = [];
  readonly notes: string[] = [];
  /** Every dead-letter entry read so far (reading takes them off the queue). */
  readonly deadLetters: QueuedMessage[] = [];
  readonly runtimes: RuntimeProcess[] = [];
  private clientPromise: Promise<WarrenClient> | undefined;
  private abortReason: string | undefined;
  private runtimeCount = 0;

  constructor(
    readonly scenario: Scenario,
    readonly broker: Broker,
    readonly inspector: Inspector,
    private readonly dirs: ScenarioDirs,
    readonly log: (line: string) => void,
    /** The PostgreSQL server, for scenarios that need one. */
    readonly postgres: PostgresNode | undefined = undefined,
  ) {
    this.namespace = `faults-${scenario.id}-${randomBytes(3).toString('hex')}`;
    this.records = new RecordFile(path.join(dirs.records, `${scenario.id}.log`));
  }

  workQueue(queue: FaultQueue): string {
    return `${this.namespace}.${queue}`;
  }

  deadQueue(queue: FaultQueue): string {
    return `${this.namespace}.${queue}.dead`;
  }

  get workQueues(): string[] {
    return FAULT_QUEUES.map((queue) => this.workQueue(queue));
  }

  get deadQueues(): string[] {
    return FAULT_QUEUES.map((queue) => this.deadQueue(queue));
  }

  /** The environment of a runtime process of this scenario. */
  runtimeEnv(extra: Readonly<Record<string, string>> = {}): Record<string, string> {
    return {
      WARREN_BROKER_URL: this.broker.url,
      WARREN_FAULT_NAMESPACE: this.namespace,
      WARREN_FAULT_RECORD: this.records.path,
      WARREN_LOG_LEVEL: 'warn',
      ...extra,
    };
  }

  /** Spawns `warren start` without waiting for it. */
  spawnRuntime(options: { config?: string; env?: Readonly<Record<string, string>> } = {}): RuntimeProcess {
    const runtime = RuntimeProcess.spawn({
      label: `${this.scenario.id}-runtime-${++this.runtimeCount}`,
      logDir: this.dirs.logs,
      config: options.config,
      env: this.runtimeEnv(options.env),
    });
    this.runtimes.push(runtime);
    return runtime;
  }

  /** Spawns `warren start` and waits until it serves every queue. */
  async startRuntime(options: { config?: string; env?: Readonly<Record<string, string>> } = {}): Promise<RuntimeProcess> {
    const runtime = this.spawnRuntime(options);
    try {
      await runtime.ready(30_000);
    } catch (error) {
      runtime.kill('SIGKILL');
      await runtime.exited;
      throw error;
    }
    this.log(`${runtime.label} ready (pid ${runtime.pid}, ${Date.now() - runtime.startedAt} ms)`);
    return runtime;
  }

  get liveRuntimes(): RuntimeProcess[] {
    return this.runtimes.filter((runtime) => runtime.alive);
  }

  client(): Promise<WarrenClient> {
    this.clientPromise ??= openClient(this.broker.url, this.namespace);
    return this.clientPromise;
  }

  /** Counts these ids as sent (confirmed by the broker). */
  track(ids: Iterable<string>): void {
    for (const id of ids) this.sent.add(id);
  }

  /** Records a failed expectation unless `condition` holds; returns `condition`. */
  expect(condition: boolean, message: string): boolean {
    if (!condition) this.failures.push(message);
    return condition;
  }

  note(message: string): void {
    this.notes.push(message);
  }

  /** `waitFor`, which also gives up once the scenario ran out of time. */
  waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, options: WaitOptions): Promise<T> {
    return waitFor(what, probe, {
      ...options,
      failIf: () => this.abortReason ?? options.failIf?.(),
    });
  }

  /** A `failIf` for waits that need a runtime: fails once none of this scenario's runtimes is alive. */
  readonly noRuntimeAlive = (): string | undefined => {
    if (this.liveRuntimes.length > 0) return undefined;
    const last = this.runtimes.at(-1);
    return last ? `no runtime is running (${last.label} ended: ${describeExit(last.exitStatus)})${last.describeOutput()}` : 'no runtime was started';
  };

  /**
   * Waits until every sent task completed or was dead-lettered and the work queues are empty,
   * then returns the tally. On timeout the tally is still taken, and the scenario fails.
   */
  async settle(options: { timeoutMs: number; failIf?: () => string | undefined } = { timeoutMs: 60_000 }): Promise<Tally> {
    const failIf = options.failIf ?? this.noRuntimeAlive;
    const ready = async (): Promise<Tally | undefined> => {
      const dead = await this.inspector.totalDepth(this.deadQueues);
      const waiting = await this.inspector.totalDepth(this.workQueues);
      if (dead === undefined || waiting === undefined || waiting > 0) return undefined;
      const accounted = this.records.doneAmong(this.sent) + dead + this.deadLetters.length;
      if (accounted < this.sent.size) return undefined;
      await this.readDeadLetters();
      const counted = this.count();
      return counted.lost === 0 ? counted : undefined;
    };
    try {
      return await this.waitFor(`all ${this.sent.size} sent tasks to complete or be dead-lettered`, ready, { timeoutMs: options.timeoutMs, intervalMs: 150, failIf });
    } catch (error) {
      await this.readDeadLetters().catch(() => undefined);
      const counted = this.count();
      this.failures.push(`${(error as Error).message} (completed ${counted.completed}, dead-lettered ${counted.deadLettered}, lost ${counted.lost} of ${counted.sent})`);
      return counted;
    }
  }

  /** Takes what is in the dead-letter queues now into `deadLetters`. */
  async readDeadLetters(): Promise<void> {
    for (const queue of this.deadQueues) this.deadLetters.push(...(await this.inspector.drain(queue)));
  }

  /** The tally as of now (records re-read; dead letters as last read). */
  count(): Tally {
    this.records.refresh();
    return tally(this.sent, this.records.doneCounts, this.deadLetters);
  }

  /** Dead-letter entries of one sent id. */
  deadLettersOf(id: string): QueuedMessage[] {
    return this.deadLetters.filter((entry) => entry.id === id);
  }

  abort(reason: string): void {
    this.abortReason ??= reason;
  }

  /** Kills what is still running (SIGKILL, by PID), closes the client, deletes the namespace. */
  async cleanup(): Promise<void> {
    for (const runtime of this.liveRuntimes) runtime.kill('SIGKILL');
    await Promise.all(this.runtimes.map((runtime) => runtime.exited));
    const client = await this.clientPromise?.catch(() => undefined);
    await client?.close().catch(() => undefined);
    await this.inspector.deleteNamespace(this.namespace).catch(() => undefined);
  }

  /** The scenario's row: the tally as of now (dead letters as last read) and the verdict. */
  result(durationMs: number, skipped?: string): ScenarioResult {
    const counted = this.count();
    const failures = [...this.failures];
    if (!skipped) {
      if (counted.lost > 0) failures.push(`lost ${counted.lost} task(s), e.g. ${counted.lostIds.slice(0, 3).join(', ')}`);
      if (counted.duplicated > 0 && !this.scenario.duplicatesAllowed) failures.push(`${counted.duplicated} task(s) completed more than once in a scenario without a crash`);
      if (counted.strayDeadLetters > 0) failures.push(`${counted.strayDeadLetters} dead-letter entr(ies) with no id the scenario sent`);
      if (counted.deadLettered > counted.deadLetteredIds) failures.push(`${counted.deadLettered} dead-letter entries for ${counted.deadLetteredIds} task(s): some were dead-lettered more than once`);
      if (counted.completedAndDead.length > 0) {
        const message = `${counted.completedAndDead.length} task(s) both completed and dead-lettered, e.g. ${counted.completedAndDead.slice(0, 3).join(', ')}`;
        if (this.scenario.duplicatesAllowed) this.notes.push(message);
        else failures.push(message);
      }
    }
    return {
      id: this.scenario.id,
      title: this.scenario.title,
      status: skipped ? 'skipped' : failures.length > 0 ? 'failed' : 'passed',
      sent: counted.sent,
      completed: counted.completed,
      duplicated: counted.duplicated,
      deadLettered: counted.deadLettered,
      lost: counted.lost,
      duplicatesAllowed: this.scenario.duplicatesAllowed,
      durationMs,
      failures,
      notes: skipped ? [skipped, ...this.notes] : [...this.notes],
    };
  }
}

/** Makes the per-run directories. */
export function makeDirs(root: string): ScenarioDirs {
  const dirs = { records: path.join(root, 'records'), logs: path.join(root, 'logs') };
  fs.rmSync(dirs.records, { recursive: true, force: true });
  fs.rmSync(dirs.logs, { recursive: true, force: true });
  fs.mkdirSync(dirs.records, { recursive: true });
  fs.mkdirSync(dirs.logs, { recursive: true });
  return dirs;
}
