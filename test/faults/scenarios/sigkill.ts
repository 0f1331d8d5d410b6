import { FaultCpu } from '../jobs/cpu-jobs';
import { FaultIo } from '../jobs/io-jobs';
import { describeFailures, failureCount, publishAll } from '../support/publisher';
import type { Scenario } from '../support/scenario';

const PER_POOL = 5_000;
const IO_TASK_MS = 50;
const CPU_TASK_MS = 1;
/** Deliveries a runtime can hold unacknowledged: fault-io's prefetch (32) plus fault-cpu's (2 threads). */
const MAX_UNACKED = 32 + 2;

/**
 * 5,000 short tasks on each pool; the runtime is SIGKILLed once half of them completed; a new
 * runtime finishes the rest. Nothing may be lost; a task that completed but whose
 * acknowledgement died with the process runs again (at most one prefetch window of them).
 */
export const sigkillScenario: Scenario = {
  id: 'sigkill',
  title: `SIGKILL mid-run (${PER_POOL} io + ${PER_POOL} cpu)`,
  duplicatesAllowed: true,
  timeoutMs: 150_000,
  async run(ctx) {
    const first = await ctx.startRuntime();
    const client = await ctx.client();
    const io = client.proxy(FaultIo);
    const cpu = client.proxy(FaultCpu);
    const publishing = publishAll(2 * PER_POOL, (i) => (i % 2 === 0 ? io.work.enqueue(IO_TASK_MS) : cpu.work.enqueue(CPU_TASK_MS)), 256);

    const doneBy = () => {
      let ioDone = 0;
      let cpuDone = 0;
      for (const line of ctx.records.lines) {
        if (line.kind !== 'done') continue;
        if (line.task === 'FaultIo.work') ioDone++;
        else if (line.task === 'FaultCpu.work') cpuDone++;
      }
      return { io: ioDone, cpu: cpuDone };
    };
    const atKill = await ctx.waitFor('half of the tasks to complete', () => {
      const done = doneBy();
      return done.io + done.cpu >= PER_POOL ? done : undefined;
    }, { timeoutMs: 60_000, intervalMs: 100, failIf: ctx.noRuntimeAlive });
    first.kill('SIGKILL');
    const exit = await first.waitExit(10_000);
    ctx.expect(exit.signal === 'SIGKILL', `the first runtime should die of SIGKILL, got ${JSON.stringify(exit)}`);
    const afterKill = doneBy();
    ctx.note(`killed with io ${atKill.io}/${PER_POOL} and cpu ${atKill.cpu}/${PER_POOL} completed (io ${afterKill.io}, cpu ${afterKill.cpu} once it was dead)`);
    ctx.expect(afterKill.io < PER_POOL && afterKill.cpu < PER_POOL, `both pools should still have work when the runtime is killed (io ${afterKill.io}, cpu ${afterKill.cpu})`);
    ctx.expect(atKill.io > 0 && atKill.cpu > 0, `both pools should have completed work before the kill (io ${atKill.io}, cpu ${atKill.cpu})`);

    const report = await publishing;
    ctx.track(report.ids);
    ctx.expect(failureCount(report) === 0, `every publish should be confirmed: ${describeFailures(report)}`);

    await ctx.startRuntime();
    const counted = await ctx.settle({ timeoutMs: 90_000 });
    ctx.expect(counted.deadLettered === 0, `nothing should be dead-lettered (got ${counted.deadLettered})`);
    ctx.expect(counted.duplicated <= MAX_UNACKED, `at most ${MAX_UNACKED} duplicates (one prefetch window), got ${counted.duplicated}`);
  },
};
