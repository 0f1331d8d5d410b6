import type { WarrenClient } from '../../../src';
import { SCHEDULE_CONFIG } from '../support/paths';
import type { RuntimeProcess } from '../support/runtime-process';
import type { Scenario, ScenarioContext } from '../support/scenario';

const SCHEDULE = 'fault-every-second';
const RUNTIMES = 3;
/** Firings between kills: the schedule runs for about a minute in all. */
const FIRINGS_PER_LEG = 20;
const KILLS = 2;

/**
 * Three runtimes share a schedule of every second; the one holding the schedules is SIGKILLed,
 * twice. Every tick from the first firing to the last must fire exactly once: the ticks are the
 * sent ids, so a missed tick counts as lost and a doubled one as duplicated (0 required).
 */
export const schedulerKillScenario: Scenario = {
  id: 'scheduler-kill',
  title: `a schedule of every second on ${RUNTIMES} runtimes, its holder SIGKILLed ${KILLS}x`,
  duplicatesAllowed: false,
  timeoutMs: 150_000,
  async run(ctx) {
    const runtimes: RuntimeProcess[] = [];
    for (let i = 0; i < RUNTIMES; i++) runtimes.push(await ctx.startRuntime({ config: SCHEDULE_CONFIG }));
    const client = await ctx.client();
    const takeovers: number[] = [];
    const holders: number[] = [];
    for (let leg = 0; leg <= KILLS; leg++) {
      const before = firings(ctx).length;
      await ctx.waitFor(`${FIRINGS_PER_LEG} more firings`, () => firings(ctx).length >= before + FIRINGS_PER_LEG, { timeoutMs: FIRINGS_PER_LEG * 1_000 + 20_000, intervalMs: 200 });
      if (leg === KILLS) break;
      const holder = await holderOf(client, runtimes);
      holders.push(holder.pid);
      holder.kill('SIGKILL');
      const killedAt = Date.now();
      await holder.waitExit(10_000);
      const next = await ctx.waitFor('another runtime to hold the schedules', async () => {
        const found = await holderOf(client, runtimes).catch(() => undefined);
        return found && found !== holder ? found : undefined;
      }, { timeoutMs: 20_000, intervalMs: 100 });
      takeovers.push(Date.now() - killedAt);
      ctx.log(`holder pid ${holder.pid} killed; pid ${next.pid} holds the schedules ${Date.now() - killedAt} ms later`);
    }
    for (const runtime of ctx.liveRuntimes) runtime.kill('SIGTERM');
    await Promise.all(ctx.liveRuntimes.map((runtime) => runtime.waitExit(15_000)));

    // Every tick between the first and the last firing is a task that must have run once.
    const ticks = firings(ctx).map((taskId) => Date.parse(taskId.slice(taskId.indexOf('@') + 1)));
    const first = Math.min(...ticks);
    const last = Math.max(...ticks);
    const expected: string[] = [];
    for (let tick = first; tick <= last; tick += 1_000) expected.push(`schedule:${SCHEDULE}@${new Date(tick).toISOString()}`);
    ctx.track(expected);
    await ctx.settle({ timeoutMs: 5_000 });
    ctx.note(`${expected.length} ticks from ${new Date(first).toISOString()} to ${new Date(last).toISOString()}; holders killed: pids ${holders.join(', ')}; another held the schedules ${takeovers.join(' and ')} ms after each kill`);
  },
};

/** The task ids of the schedule's firings recorded so far, a line per run. */
function firings(ctx: ScenarioContext): string[] {
  return ctx.records.lines.filter((line) => line.kind === 'done' && line.taskId.startsWith(`schedule:${SCHEDULE}@`)).map((line) => line.taskId);
}

/** The runtime process that holds the schedules, by the pid in its runtime id (`host:pid:random`). */
async function holderOf(client: WarrenClient, runtimes: readonly RuntimeProcess[]): Promise<RuntimeProcess> {
  const [view] = await client.schedules({ timeoutMs: 500 });
  const pid = Number(view?.holder?.split(':')[1]);
  const holder = runtimes.find((runtime) => runtime.pid === pid && runtime.alive);
  if (!holder) throw new Error(`no live runtime holds the schedules (holder: ${view?.holder ?? 'none'})`);
  return holder;
}
