import { FaultCpu } from '../jobs/cpu-jobs';
import { FaultIo } from '../jobs/io-jobs';
import { describeFailures, failureCount, publishAll } from '../support/publisher';
import type { Scenario } from '../support/scenario';

const IO_TASKS = 2_000;
const CPU_TASKS = 400;
const IO_TASK_MS = 40;
const CPU_TASK_MS = 5;

/**
 * SIGTERM while the runtime is busy: it stops consuming, lets what is in flight finish (or
 * requeues it), exits 0, and a second runtime completes the rest. No crash: nothing may run twice.
 */
export const sigtermScenario: Scenario = {
  id: 'sigterm',
  title: `SIGTERM under load (${IO_TASKS} io + ${CPU_TASKS} cpu)`,
  duplicatesAllowed: false,
  timeoutMs: 90_000,
  async run(ctx) {
    const first = await ctx.startRuntime();
    const client = await ctx.client();
    const io = client.proxy(FaultIo);
    const cpu = client.proxy(FaultCpu);
    const total = IO_TASKS + CPU_TASKS;
    const report = await publishAll(total, (i) => (i < CPU_TASKS * 2 && i % 2 === 1 ? cpu.work.enqueue(CPU_TASK_MS) : io.work.enqueue(IO_TASK_MS)), 256);
    ctx.track(report.ids);
    ctx.expect(failureCount(report) === 0, `every publish should be confirmed: ${describeFailures(report)}`);

    const sentSet = ctx.sent;
    const atSignal = await ctx.waitFor('a quarter of the tasks to complete', () => {
      const done = ctx.records.doneAmong(sentSet);
      return done >= total / 4 ? done : undefined;
    }, { timeoutMs: 60_000, intervalMs: 50, failIf: ctx.noRuntimeAlive });
    first.kill('SIGTERM');
    const exit = await first.waitExit(20_000);
    ctx.expect(exit.code === 0 && exit.signal === null, `the runtime should exit 0 after SIGTERM, got ${JSON.stringify(exit)}${first.describeOutput()}`);
    const atExit = ctx.records.doneAmong(sentSet);
    ctx.note(`SIGTERM with ${atSignal}/${total} completed; ${atExit - atSignal} more finished during the graceful stop; ${total - atExit} left for the second runtime`);
    ctx.expect(atExit < total, 'the first runtime should not have finished everything (the signal came too late to test anything)');

    await ctx.startRuntime();
    const counted = await ctx.settle({ timeoutMs: 60_000 });
    ctx.expect(counted.deadLettered === 0, `nothing should be dead-lettered (got ${counted.deadLettered})`);
  },
};
