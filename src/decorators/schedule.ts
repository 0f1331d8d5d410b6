import 'reflect-metadata';
import { RegistryError } from '../errors';
import type { CatchUp, ScheduleOptions, ScheduleTiming } from '../schedule/schedule-options';
import { checkTiming } from '../schedule/ticks';

const SCHEDULE_METADATA = Symbol.for('warren:schedules');

/** One `@Schedule` as recorded on a job class. */
export interface RecordedSchedule {
  readonly method: string;
  readonly timing: ScheduleTiming;
  readonly options: ScheduleOptions;
}

const CATCH_UPS: readonly CatchUp[] = ['skip', 'once'];

/**
 * Fires this task method on a schedule: a cron expression (`'0 3 * * *'`, or with seconds first,
 * `'*\/5 * * * * *'`) or `{ everyMs }`. One runtime of the namespace fires it at a time, once per
 * tick, whatever the number of runtimes. Several `@Schedule`s on one method are allowed.
 */
export function Schedule(timing: string | { everyMs: number }, options: ScheduleOptions = {}): MethodDecorator {
  return (target, propertyKey) => {
    const owner = (target as { constructor: object }).constructor;
    const method = String(propertyKey);
    const where = `@Schedule on ${(owner as { name?: string }).name ?? 'a class'}.${method}`;
    const resolved: ScheduleTiming = typeof timing === 'string' ? { cron: timing, ...(options.timezone ? { timezone: options.timezone } : {}) } : { everyMs: timing?.everyMs };
    try {
      checkTiming(resolved);
    } catch (error) {
      throw new RegistryError(`${where}: ${(error as Error).message}`);
    }
    if (options.catchUp !== undefined && !CATCH_UPS.includes(options.catchUp)) throw new RegistryError(`${where}: catchUp must be 'skip' or 'once'`);
    if (options.args !== undefined && !Array.isArray(options.args)) throw new RegistryError(`${where}: args must be an array (the task's argument list)`);
    if (options.timezone !== undefined && typeof timing !== 'string') throw new RegistryError(`${where}: timezone goes with a cron expression, not with everyMs`);
    const existing = (Reflect.getOwnMetadata(SCHEDULE_METADATA, owner) ?? []) as RecordedSchedule[];
    Reflect.defineMetadata(SCHEDULE_METADATA, [...existing, Object.freeze({ method, timing: resolved, options: Object.freeze({ ...options }) })], owner);
  };
}

/** The `@Schedule`s of a job class (its own, not a parent's). */
export function getSchedules(target: object): readonly RecordedSchedule[] {
  return (Reflect.getOwnMetadata(SCHEDULE_METADATA, target) ?? []) as RecordedSchedule[];
}
