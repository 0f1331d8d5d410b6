import type { Cron } from 'croner';
import type { ScheduleDefinition, ScheduleTiming } from './schedule-options';

/** The most ticks of one schedule fired at once after a failover: a schedule of every second after a long pause fires no flood. */
export const MAX_TICKS_AT_ONCE = 100;

const crons = new Map<string, Cron>();

/** A parsed cron, kept: parsing once per tick would be the scheduler's main cost. Throws on a bad expression or time zone. */
function cronOf(cron: string, timezone: string | undefined): Cron {
  const key = `${cron}\u0000${timezone ?? ''}`;
  let parsed = crons.get(key);
  if (!parsed) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Cron: CronClass } = require('croner') as typeof import('croner'); // on use: most runtimes define no cron
    parsed = new CronClass(cron, { timezone: timezone ?? 'Etc/UTC', paused: true });
    crons.set(key, parsed);
  }
  return parsed;
}

/** Throws with croner's reason when the timing cannot fire (a bad cron or time zone, an interval under 1 s or not whole). */
export function checkTiming(timing: ScheduleTiming): void {
  if ('everyMs' in timing) {
    if (!Number.isInteger(timing.everyMs) || timing.everyMs < 1_000) throw new Error(`everyMs must be a whole number of milliseconds, at least 1000 (got ${timing.everyMs})`);
    return;
  }
  if (cronOf(timing.cron, timing.timezone).nextRun(new Date()) === null) throw new Error(`'${timing.cron}' never fires`);
}

/**
 * Pure: the first tick strictly after `after` (epoch ms). Intervals tick at multiples of
 * `everyMs` since the epoch, so every runtime computes the same ticks, and a tick's id is the
 * same whoever fires it.
 */
export function nextTick(timing: ScheduleTiming, after: number): number | undefined {
  if ('everyMs' in timing) return (Math.floor(after / timing.everyMs) + 1) * timing.everyMs;
  return cronOf(timing.cron, timing.timezone).nextRun(new Date(after))?.getTime();
}

/** Pure: the ticks in (after, until], oldest first, at most `limit`. */
export function ticksBetween(timing: ScheduleTiming, after: number, until: number, limit = MAX_TICKS_AT_ONCE): number[] {
  const ticks: number[] = [];
  for (let tick = nextTick(timing, after); tick !== undefined && tick <= until && ticks.length < limit; tick = nextTick(timing, tick)) ticks.push(tick);
  return ticks;
}

/**
 * Pure: which ticks after `through` (every tick up to it was handled) to fire now, and how far
 * that handles. After a failover (the state was written within `failoverGraceMs`) every missed tick
 * fires, once each. After a longer gap (no runtime held the schedules) the ticks of the last
 * `failoverGraceMs` fire, and of the older ones the catch-up policy's: `skip` none, `once` one
 * (named after the first tick missed).
 */
export function dueTicks(
  schedule: Pick<ScheduleDefinition, 'timing' | 'catchUp'>,
  state: { through: number | undefined; writtenAt: number },
  now: number,
  failoverGraceMs: number,
): { fire: number[]; through: number } {
  // A schedule seen for the first time starts from now: it does not fire for the past.
  if (state.through === undefined) return { fire: [], through: now };
  const outage = now - state.writtenAt > failoverGraceMs;
  const from = outage ? Math.max(state.through, now - failoverGraceMs) : state.through;
  const fire = ticksBetween(schedule.timing, from, now);
  if (outage && schedule.catchUp === 'once') {
    const firstMissed = nextTick(schedule.timing, state.through);
    if (firstMissed !== undefined && firstMissed <= from) fire.unshift(firstMissed);
  }
  // More than MAX_TICKS_AT_ONCE after a failover: the rest fire on the next round, from the last one fired.
  const through = fire.length >= MAX_TICKS_AT_ONCE && !outage ? (fire[fire.length - 1] as number) : Math.max(state.through, now);
  return { fire, through };
}

/** The task id of one firing: the schedule and the tick, so a tick fired twice has the same id wherever it runs. */
export function tickTaskId(schedule: string, tick: number): string {
  return `schedule:${schedule}@${new Date(tick).toISOString()}`;
}
