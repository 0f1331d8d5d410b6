import { ConfigError } from '../errors';
import type { TaskRegistry } from '../registry/task-registry';
import { describeTiming, type ScheduleDefinition, type ScheduleTiming } from './schedule-options';
import { checkTiming } from './ticks';

/** A schedule from the config's `schedules` section. */
export interface ConfigSchedule {
  readonly task: string;
  readonly cron?: string | undefined;
  readonly everyMs?: number | undefined;
  readonly timezone?: string | undefined;
  readonly args?: readonly unknown[] | undefined;
  readonly catchUp?: 'skip' | 'once' | undefined;
}

/**
 * The schedules this runtime fires: the job classes' `@Schedule`s and the config's, checked
 * together. A schedule names a task this runtime defines (so it is bound and its arguments
 * are its own), and every name is unique.
 */
export function scheduleDefinitions(registry: TaskRegistry, fromConfig: Readonly<Record<string, ConfigSchedule>>): ScheduleDefinition[] {
  const definitions = [...registry.schedules()];
  for (const [name, schedule] of Object.entries(fromConfig)) {
    const where = `schedules.${name}`;
    if ((schedule.cron === undefined) === (schedule.everyMs === undefined)) throw new ConfigError(`${where}: give cron or everyMs (one of them)`);
    const timing: ScheduleTiming = schedule.cron !== undefined ? { cron: schedule.cron, ...(schedule.timezone ? { timezone: schedule.timezone } : {}) } : { everyMs: schedule.everyMs as number };
    try {
      checkTiming(timing);
    } catch (error) {
      throw new ConfigError(`${where}: ${(error as Error).message}`);
    }
    if (!registry.get(schedule.task)) throw new ConfigError(`${where}: no job file defines the task '${schedule.task}' (tasks: ${registry.tasks().map((task) => task.name).sort().join(', ')})`);
    definitions.push({ name, task: schedule.task, args: schedule.args ?? [], timing, catchUp: schedule.catchUp ?? 'skip' });
  }
  const seen = new Set<string>();
  for (const definition of definitions) {
    if (seen.has(definition.name)) throw new ConfigError(`Two schedules are named '${definition.name}': give one of them another name (@Schedule(..., { name }) or the config key)`);
    seen.add(definition.name);
  }
  return definitions;
}

/** The name of a schedule that did not give one: its task and timing, stable across restarts. */
export function defaultScheduleName(task: string, timing: ScheduleTiming): string {
  return `${task} ${describeTiming(timing)}`;
}
