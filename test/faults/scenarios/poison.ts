import { HEADERS } from '../../../src/protocol/headers';
import { FaultIo } from '../jobs/io-jobs';
import type { RuntimeProcess } from '../support/runtime-process';
import type { Scenario } from '../support/scenario';

const MAX_REDELIVERIES = 3;
/** Runs of the poison before it is dead-lettered: the first delivery plus one per counted redelivery. */
const EXPECTED_RUNS = MAX_REDELIVERIES + 1;
/** Bound on the restart loop, so a broken redelivery count cannot loop for ever. */
const MAX_STARTS = EXPECTED_RUNS + 3;

/**
 * A poison message: an I/O task that SIGKILLs its own runtime process, every time. A supervisor
 * (here, the suite) restarts the runtime; each restart sees the message redelivered and counts
 * it, until it passes maxRedeliveries and is dead-lettered with RedeliveryLimitError instead
 * of being run again. The last runtime then serves normally.
 */
export const poisonScenario: Scenario = {
  id: 'poison',
  title: `poison message crashes the runtime (maxRedeliveries ${MAX_REDELIVERIES})`,
  duplicatesAllowed: true,
  timeoutMs: 90_000,
  async run(ctx) {
    const env = { WARREN_FAULT_MAX_REDELIVERIES: String(MAX_REDELIVERIES) };
    let runtime: RuntimeProcess = await ctx.startRuntime({ env });
    const io = (await ctx.client()).proxy(FaultIo);
    const poisonId = await io.crashRuntime.enqueue();
    ctx.track([poisonId]);

    const deadQueue = ctx.deadQueue('fault-io');
    const workQueue = ctx.workQueue('fault-io');
    let starts = 1;
    const copies: number[] = [];
    for (;;) {
      // Done once the poison is in the DLQ, nothing is left in the queue, and a runtime serves.
      const state = await ctx.waitFor('the runtime to crash, or the poison to be dead-lettered', async () => {
        if (!runtime.alive) return 'crashed';
        const dead = await ctx.inspector.depth(deadQueue);
        const waiting = await ctx.inspector.depth(workQueue);
        return runtime.served && runtime.alive && (dead ?? 0) > 0 && waiting === 0 ? 'dead-lettered' : undefined;
      }, { timeoutMs: 20_000 });
      if (state === 'dead-lettered') break;
      const exit = runtime.exitStatus;
      ctx.expect(exit?.signal === 'SIGKILL', `runtime ${runtime.label} should die of its own SIGKILL, got ${JSON.stringify(exit)}`);
      // Once the dead runtime's consumers are gone, its unacknowledged deliveries are back in the queue.
      const left = await ctx.waitFor('the broker to requeue what the dead runtime held', async () => {
        const info = await ctx.inspector.queueInfo(workQueue);
        return info && info.consumers === 0 ? info.messages : undefined;
      }, { timeoutMs: 10_000, intervalMs: 50 });
      copies.push(left);
      if (starts >= MAX_STARTS) {
        ctx.failures.push(`the runtime still crashed after ${starts} starts; messages in ${workQueue} after each crash: ${copies.join(', ')} (one poison message was sent)`);
        await ctx.readDeadLetters();
        ctx.note(`${ctx.records.linesOf(poisonId).length} runs of the poison; ${ctx.deadLettersOf(poisonId).length} dead-letter entries for it so far`);
        return;
      }
      // Not startRuntime(): a runtime handed the poison can die before it prints its banner.
      runtime = ctx.spawnRuntime({ env });
      starts++;
    }

    const runs = ctx.records.linesOf(poisonId).filter((line) => line.kind === 'run').length;
    await ctx.readDeadLetters();
    ctx.note(`dead-letter entries for the poison: ${ctx.deadLettersOf(poisonId).map((entry) => `${String(entry.headers[HEADERS.deadErrorName])} (redeliveries ${String(entry.headers[HEADERS.redeliveries])})`).join(', ')}`);
    ctx.note(`${starts} runtime starts, ${runs} runs of the poison; messages in the queue after each crash: ${copies.join(', ')}`);
    ctx.expect(copies.every((n) => n <= 1), `the poison should never be in the queue more than once, found ${copies.join(', ')} after successive crashes`);
    ctx.expect(runs === EXPECTED_RUNS, `the poison should run ${EXPECTED_RUNS} times (1 + maxRedeliveries), ran ${runs}`);
    ctx.expect(starts === EXPECTED_RUNS + 1, `${EXPECTED_RUNS + 1} runtime starts expected (every run but the last crash was restarted), got ${starts}`);

    const normal = await io.work.enqueue(0);
    ctx.track([normal]);
    const counted = await ctx.settle({ timeoutMs: 20_000 });
    ctx.expect(counted.deadLettered === 1 && counted.completed === 1, `the poison dead-lettered and the normal task completed (dead ${counted.deadLettered}, completed ${counted.completed})`);
    const headers = ctx.deadLettersOf(poisonId)[0]?.headers ?? {};
    ctx.expect(ctx.deadLettersOf(poisonId).length === 1, `exactly one dead-letter entry for the poison, got ${ctx.deadLettersOf(poisonId).length}`);
    ctx.expect(headers[HEADERS.deadErrorName] === 'RedeliveryLimitError', `dead-lettered with RedeliveryLimitError, got ${String(headers[HEADERS.deadErrorName])}: ${String(headers[HEADERS.deadReason])}`);
    ctx.note(`dead-letter reason: ${String(headers[HEADERS.deadReason])}`);
    ctx.expect(runtime.alive, 'the last runtime should still be serving');
  },
};
