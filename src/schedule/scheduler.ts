import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { describe } from '../errors';
import { HEADERS, JSON_CONTENT_TYPE } from '../protocol/headers';
import { encodeTaskRequest } from '../protocol/task-request';
import type { TopologyNames } from '../topology/topology';
import type { LeaseChannel, LeaseToken, OutgoingMessage, Transport } from '../transport/transport';
import { describeTiming, type ScheduleDefinition } from './schedule-options';
import { decodeState, emptyState, encodeState, mergeStates, type ScheduleRecord, type ScheduleState } from './schedule-state';
import { dueTicks, nextTick, tickTaskId } from './ticks';

/** The holder writes its token at least this often, so a successor can tell a failover from an outage. */
const HEARTBEAT_MS = 5_000;
/** A token written less than this long ago was left by a holder that just died: every tick it missed still fires. */
export const FAILOVER_GRACE_MS = 15_000;
const REOPEN_MS = [500, 1_000, 2_000, 5_000];

/** One schedule as `warren schedules` shows it. */
export interface ScheduleView {
  readonly name: string;
  readonly task: string;
  readonly timing: string;
  readonly catchUp: string;
  readonly paused: boolean;
  /** ISO 8601; known to the holder only. */
  readonly lastFired?: string;
  readonly next?: string;
  /** The runtime that holds the schedules, when this answer comes from it. */
  readonly holder?: string;
}

export interface SchedulerDeps {
  readonly transport: Transport;
  readonly names: TopologyNames;
  readonly runtimeId: string;
  readonly schedules: readonly ScheduleDefinition[];
  readonly maxPayloadBytes: number;
  readonly logger: Logger;
}

/**
 * Fires the schedules, from one runtime at a time. Every runtime with schedules consumes
 * `<ns>.schedules`, a single-active-consumer queue holding one token: the schedules' state (how
 * far each has fired, which are paused). The broker gives the token to one consumer, which holds
 * it unacknowledged and so holds the schedules; when that runtime dies, the broker gives the
 * token to the next. Each firing is one transaction: the tasks of the ticks due, the new token,
 * and the acknowledgement of the old one, so a holder that dies leaves either all of it or none,
 * and no tick fires twice or is missed. A tick's task id is the schedule and the tick.
 */
export class Scheduler {
  private lease: LeaseChannel | undefined;
  /** Tokens delivered to us and not yet replaced. */
  private held: LeaseToken[] = [];
  /** Set while we hold the schedules. */
  private state: ScheduleState | undefined;
  private dirty = false;
  /** Counts the holdings given up: a round that awaited across one knows its holding is over. */
  private holdings = 0;
  private timer: NodeJS.Timeout | undefined;
  private reopenTimer: NodeJS.Timeout | undefined;
  private reopenAttempt = 0;
  private stopped = false;
  private work: Promise<void> = Promise.resolve();
  private readonly byName: ReadonlyMap<string, ScheduleDefinition>;

  constructor(private readonly deps: SchedulerDeps) {
    this.byName = new Map(deps.schedules.map((schedule) => [schedule.name, schedule]));
  }

  /** Whether this runtime holds the schedules now. */
  get holding(): boolean {
    return this.state !== undefined;
  }

  async start(): Promise<void> {
    const { transport, names } = this.deps;
    const queue = names.schedulesQueue;
    await transport.declare({ exchanges: [], queues: [{ name: queue, durable: true, arguments: { 'x-single-active-consumer': true } }], bindings: [] });
    // No token waiting: the first runtime ever, or the holder has it. A second token is merged by whoever holds the first.
    if ((await transport.queueInfo(queue))?.messages === 0) await transport.publish('', queue, encodeState(emptyState(this.deps.runtimeId)), tokenProperties());
    await this.open();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.reopenTimer);
    await this.work;
    const lease = this.lease;
    this.lease = undefined;
    this.release();
    // The token goes back to the queue, and the broker hands it to the next runtime.
    await lease?.close();
  }

  /** Pauses or resumes a schedule, if this runtime holds the schedules; persisted in the token. */
  setPaused(name: string, paused: boolean): ScheduleView | undefined {
    if (!this.state || !this.byName.has(name)) return undefined;
    const now = Date.now();
    const record = this.state.schedules[name];
    // Resumed, it fires from now on: the ticks of the pause are not made up for.
    const next: ScheduleRecord = { ...record, through: paused ? (record?.through ?? now) : Math.max(record?.through ?? 0, now), paused, pausedChangedAt: now };
    this.state = { ...this.state, schedules: { ...this.state.schedules, [name]: next } };
    this.dirty = true;
    this.kick();
    this.deps.logger.info({ schedule: name }, `schedule ${name} ${paused ? 'paused' : 'resumed'}`);
    return this.views().find((view) => view.name === name);
  }

  views(now = Date.now()): ScheduleView[] {
    return this.deps.schedules.map((schedule) => {
      const record = this.state?.schedules[schedule.name];
      const paused = record?.paused === true;
      const next = paused ? undefined : nextTick(schedule.timing, now);
      return {
        name: schedule.name,
        task: schedule.task,
        timing: describeTiming(schedule.timing),
        catchUp: schedule.catchUp,
        paused,
        ...(record?.lastFired ? { lastFired: new Date(record.lastFired).toISOString() } : {}),
        ...(next !== undefined ? { next: new Date(next).toISOString() } : {}),
        ...(this.state ? { holder: this.deps.runtimeId } : {}),
      };
    });
  }

  private async open(): Promise<void> {
    if (this.stopped) return;
    try {
      this.lease = await this.deps.transport.consumeLease(this.deps.names.schedulesQueue, (token) => this.onToken(token), (error) => this.onLost(error));
      this.reopenAttempt = 0;
      // The token can arrive before the lease's channel is handed back: its round found no channel to commit on.
      if (this.state) this.kick();
    } catch (error) {
      this.deps.logger.warn({ err: error }, `could not consume ${this.deps.names.schedulesQueue}: ${describe(error)}; trying again`);
      this.reopenLater();
    }
  }

  private onToken(token: LeaseToken): void {
    const decoded = decodeState(token.body);
    if (!decoded) this.deps.logger.warn('an unreadable schedules token was dropped');
    this.held.push(token);
    const taking = this.state === undefined;
    const base = this.state ?? emptyState(this.deps.runtimeId);
    this.state = decoded ? mergeStates(base, decoded) : base;
    if (taking) {
      const since = this.state.writtenAt ? `${Date.now() - this.state.writtenAt} ms after its last holder wrote it` : 'a new token';
      this.deps.logger.info({ schedules: this.deps.schedules.length }, `holds the schedules (${since})`);
    }
    // Several tokens (a seed, a failover): they are merged and replaced by one.
    if (this.held.length > 1 || !decoded) this.dirty = true;
    this.kick();
  }

  private onLost(error: Error | undefined): void {
    if (this.stopped) return;
    if (this.state) this.deps.logger.warn({ err: error }, `lost the schedules: ${error ? describe(error) : 'channel closed'}; another runtime takes them over`);
    this.lease = undefined;
    this.release();
    this.reopenLater();
  }

  private release(): void {
    this.holdings++;
    clearTimeout(this.timer);
    this.state = undefined;
    this.held = [];
    this.dirty = false;
  }

  private reopenLater(): void {
    if (this.stopped) return;
    const wait = REOPEN_MS[Math.min(this.reopenAttempt++, REOPEN_MS.length - 1)] as number;
    this.reopenTimer = setTimeout(() => void this.open(), wait).unref();
  }

  /** Runs a round after whatever round is running. */
  private kick(): void {
    this.work = this.work.then(() => this.round()).catch((error: unknown) => this.deps.logger.error({ err: error }, `firing the schedules failed: ${describe(error)}`));
  }

  /** Fires what is due, and writes the token when anything changed or the heartbeat is due; then waits for the next tick. */
  private async round(): Promise<void> {
    clearTimeout(this.timer);
    const state = this.state;
    const lease = this.lease;
    // Between a commit and the arrival of the token it wrote, there is nothing to replace.
    if (!state || !lease || this.held.length === 0 || this.stopped) return;
    const now = Date.now();
    const schedules: Record<string, ScheduleRecord> = { ...state.schedules };
    const publishes: OutgoingMessage[] = [];
    const fired: string[] = [];
    let changed = this.dirty;
    for (const schedule of this.deps.schedules) {
      const record = schedules[schedule.name];
      if (record?.paused) continue;
      const due = dueTicks(schedule, { through: record?.through, writtenAt: state.writtenAt }, now, FAILOVER_GRACE_MS);
      if (record === undefined || due.fire.length > 0) changed = true;
      for (const tick of due.fire) {
        publishes.push(this.tickMessage(schedule, tick));
        fired.push(tickTaskId(schedule.name, tick));
      }
      const lastFired = due.fire.length > 0 ? (due.fire[due.fire.length - 1] as number) : record?.lastFired;
      schedules[schedule.name] = { ...record, through: due.through, ...(lastFired !== undefined ? { lastFired } : {}) };
    }
    if (!changed && now - state.writtenAt < HEARTBEAT_MS) {
      this.state = { ...state, schedules };
      return this.armTimer(now);
    }
    const next: ScheduleState = { version: 1, writtenAt: now, holder: this.deps.runtimeId, schedules };
    const replaced = this.held.splice(0);
    const holding = this.holdings;
    // Ours from now: the token it writes may arrive (and be merged in) before the commit returns.
    this.state = next;
    this.dirty = false;
    try {
      await lease.commit([...publishes, { exchange: '', routingKey: this.deps.names.schedulesQueue, body: encodeState(next), properties: tokenProperties() }], replaced);
    } catch (error) {
      // None of it happened; without its tokens the channel holds nothing: give it up, and the
      // next holder (this runtime again, or another) fires these ticks.
      this.deps.logger.warn({ err: error }, `committing the schedules failed: ${describe(error)}`);
      if (holding === this.holdings) {
        const failed = this.lease;
        this.lease = undefined;
        this.release();
        void failed?.close();
        this.reopenLater();
      }
      return;
    }
    if (holding !== this.holdings) return; // lost meanwhile
    for (const id of fired) this.deps.logger.info({ taskId: id }, `fired ${id}`);
    this.armTimer(now);
  }

  private armTimer(now: number): void {
    if (!this.state) return;
    let at = this.state.writtenAt + HEARTBEAT_MS;
    for (const schedule of this.deps.schedules) {
      if (this.state.schedules[schedule.name]?.paused) continue;
      const tick = nextTick(schedule.timing, this.state.schedules[schedule.name]?.through ?? now);
      if (tick !== undefined) at = Math.min(at, tick);
    }
    this.timer = setTimeout(() => this.kick(), Math.min(2 ** 31 - 1, Math.max(0, at - Date.now()))).unref();
  }

  private tickMessage(schedule: ScheduleDefinition, tick: number): OutgoingMessage {
    const { body, properties } = encodeTaskRequest({ id: tickTaskId(schedule.name, tick), task: schedule.task, args: schedule.args, attempt: 1 }, this.deps.maxPayloadBytes);
    return { exchange: this.deps.names.tasksExchange, routingKey: schedule.task, body, properties: { ...properties, headers: { ...properties.headers, [HEADERS.schedule]: schedule.name } } };
  }
}

function tokenProperties() {
  return { messageId: `schedules-${randomUUID()}`, contentType: JSON_CONTENT_TYPE, persistent: true };
}
