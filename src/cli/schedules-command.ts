import { table } from '../format/table';
import { CliError, EXIT, loadBrokerConfig, openClient, print, printJson, type CommonOptions } from './cli-support';

/** `warren schedules`: every schedule of the live runtimes, with its last and next firing and who holds the schedules. */
export async function schedulesCommand(options: CommonOptions & { timeout?: number }): Promise<void> {
  const client = await openClient(loadBrokerConfig(options, 'schedules'), options.timeout);
  try {
    const schedules = await client.schedules({ timeoutMs: options.timeout });
    if (options.json) return printJson(schedules);
    if (schedules.length === 0) return print('no schedules: no runtime answered, or none defines any');
    const holder = schedules.find((schedule) => schedule.holder)?.holder;
    print(holder ? `held by ${holder}` : 'no runtime holds the schedules now: none fires');
    print(
      table([
        ['NAME', 'TASK', 'WHEN', 'LAST', 'NEXT', ''],
        ...schedules.map((schedule) => [schedule.name, schedule.task, schedule.timing, schedule.lastFired ?? '-', schedule.paused ? '-' : (schedule.next ?? '-'), schedule.paused ? 'paused' : '']),
      ]),
    );
  } finally {
    await client.close();
  }
}

/** `warren schedules pause|resume <name>`: kept in the schedules' state, across restarts. */
export async function pauseScheduleCommand(name: string, paused: boolean, options: CommonOptions & { timeout?: number }): Promise<void> {
  const client = await openClient(loadBrokerConfig(options, 'schedules'), options.timeout);
  try {
    const view = await client.pauseSchedule(name, paused, { timeoutMs: options.timeout }).catch((error: Error) => {
      throw new CliError(error.message, EXIT.unavailable);
    });
    if (options.json) return printJson(view);
    print(`${view.name} ${view.paused ? 'paused' : `resumed; next firing ${view.next ?? '-'}`}`);
  } finally {
    await client.close();
  }
}
