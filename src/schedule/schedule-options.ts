/** When a schedule fires: a cron expression (5 fields, or 6 with seconds first) or a fixed interval. */
export type ScheduleTiming = { readonly cron: string; readonly timezone?: string } | { readonly everyMs: number };

/**
 * What happens to ticks that passed while no runtime held the schedules (longer than a failover):
 * `skip` them (the default, as cron does), or run the latest of them `once`.
 */
export type CatchUp = 'skip' | 'once';

/** Options of `@Schedule` and of a config schedule. */
export interface ScheduleOptions {
  /** The arguments each firing calls the task with. Default: none. */
  readonly args?: readonly unknown[];
  /** IANA time zone of a cron expression (`Europe/Paris`). Default: UTC. */
  readonly timezone?: string;
  readonly catchUp?: CatchUp;
  /** Unique within the namespace; the state (last firing, paused) is kept by it. Default: `<task> <cron or every>`. */
  readonly name?: string;
}

/** One schedule as the runtime fires it. */
export interface ScheduleDefinition {
  readonly name: string;
  readonly task: string;
  readonly args: readonly unknown[];
  readonly timing: ScheduleTiming;
  readonly catchUp: CatchUp;
}

/** How a schedule's timing reads: `*\/5 * * * * * (Europe/Paris)`, `every 30000 ms`. */
export function describeTiming(timing: ScheduleTiming): string {
  if ('everyMs' in timing) return `every ${timing.everyMs} ms`;
  return timing.timezone ? `${timing.cron} (${timing.timezone})` : timing.cron;
}
