import { HEADERS } from '../../../src/protocol/headers';
import { FaultOverrun } from '../jobs/leftover-jobs';
import { describeFailures, failureCount, publishAll } from '../support/publisher';
import type { Scenario } from '../support/scenario';

/** The fault-io queue's concurrency (FaultIo's @Task). */
const CONCURRENCY = 32;
const CAREFUL = 20;
const WRITES = 20;
const EVERY_MS = 50;
const STUBBORN = 2 * CONCURRENCY;
/** Past the 300 ms limit, within the one more limit an abandoned run may keep its place. */
const STUBBORN_MS = 450;
/** Hard limit 300 ms at 50 ms a write: about 6 writes; the slack is for a loaded machine. */
const MAX_WRITES = 9;

/**
 * I/O tasks past their 300 ms hard limit. Careful ones watch currentTask().signal: it fires at the
 * hard limit, so they stop writing (before: they wrote all 20, their callers long told
 * TaskTimeLimitError). Stubborn ones ignore it and run 450 ms: abandoned runs keep their place in
 * the queue's concurrency until they settle, so never more than 32 run at once (before: 64).
 * Every one of them is dead-lettered with TaskTimeLimitError.
 */
export const ioOverrunScenario: Scenario = {
  id: 'io-overrun',
  title: `I/O tasks past their hard limit (${CAREFUL} careful, ${STUBBORN} stubborn, concurrency ${CONCURRENCY})`,
  duplicatesAllowed: false,
  timeoutMs: 90_000,
  async run(ctx) {
    await ctx.startRuntime();
    const overrun = (await ctx.client()).proxy(FaultOverrun);
    const careful = await publishAll(CAREFUL, () => overrun.careful.enqueue(WRITES, EVERY_MS));
    ctx.track(careful.ids);
    const stubborn = await publishAll(STUBBORN, () => overrun.stubborn.enqueue(STUBBORN_MS));
    ctx.track(stubborn.ids);
    ctx.expect(failureCount(careful) + failureCount(stubborn) === 0, `every publish should be confirmed: ${describeFailures(careful)} ${describeFailures(stubborn)}`);
    const counted = await ctx.settle({ timeoutMs: 45_000 });
    ctx.expect(counted.deadLettered === CAREFUL + STUBBORN, `every overrunning task should be dead-lettered (got ${counted.deadLettered})`);
    const names = new Set(ctx.deadLetters.map((entry) => String(entry.headers?.[HEADERS.deadErrorName])));
    ctx.expect(names.size === 1 && names.has('TaskTimeLimitError'), `all with TaskTimeLimitError (got ${[...names].join(', ')})`);

    // Every run has settled (stubborn ones end 450 ms after they start): read what they recorded.
    const carefulIds = new Set(careful.ids);
    const stubbornIds = new Set(stubborn.ids);
    await ctx.waitFor('every run to record its end', () => {
      const ends = ctx.records.lines.filter((line) => line.detail.startsWith('end') && (carefulIds.has(line.taskId) || stubbornIds.has(line.taskId))).length;
      return ends >= CAREFUL + STUBBORN || undefined;
    }, { timeoutMs: 20_000, failIf: ctx.noRuntimeAlive });
    const lines = ctx.records.lines;
    const writes = new Map<string, number>();
    for (const line of lines) if (carefulIds.has(line.taskId) && line.detail === 'write') writes.set(line.taskId, (writes.get(line.taskId) ?? 0) + 1);
    const most = Math.max(0, ...writes.values());
    const total = [...writes.values()].reduce((a, b) => a + b, 0);
    ctx.expect(most <= MAX_WRITES, `a careful task should stop writing at its hard limit: one wrote ${most} times (of ${WRITES})`);
    const aborted = lines.filter((line) => carefulIds.has(line.taskId) && line.detail === 'end TaskTimeLimitError').length;
    ctx.expect(aborted === CAREFUL, `every careful task should see its signal abort with TaskTimeLimitError (${aborted}/${CAREFUL})`);

    let now = 0;
    let atOnce = 0;
    const events = lines
      .filter((line) => stubbornIds.has(line.taskId) || carefulIds.has(line.taskId))
      .filter((line) => line.detail === 'start' || line.detail.startsWith('end'))
      .map((line) => ({ at: line.at, delta: line.detail === 'start' ? 1 : -1 }))
      .sort((a, b) => a.at - b.at || a.delta - b.delta);
    for (const { delta } of events) atOnce = Math.max(atOnce, (now += delta));
    ctx.expect(atOnce <= CONCURRENCY, `at most ${CONCURRENCY} runs of the queue should be going at once, abandoned ones included (saw ${atOnce})`);
    ctx.note(`careful tasks wrote ${total} times in all (at most ${most} each, of ${WRITES}); at most ${atOnce} runs at once with a concurrency of ${CONCURRENCY}`);
  },
};
