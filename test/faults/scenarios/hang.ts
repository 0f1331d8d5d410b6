import { HEADERS } from '../../../src/protocol/headers';
import { FaultCpu } from '../jobs/cpu-jobs';
import { describeFailures, failureCount, publishAll } from '../support/publisher';
import type { Scenario, ScenarioContext } from '../support/scenario';

const THREADS = 2;
const OTHERS = 300;
const TASK_MS = 3;
/** Tasks per round while waiting for the replacement thread; long enough that both threads take some. */
const ROUND_TASKS = 20;
const ROUND_TASK_MS = 20;

/**
 * A CPU task that never yields, with a 1 s hard limit: its worker thread is terminated and it is
 * dead-lettered with TaskTimeLimitError, while the other thread of the pool keeps completing
 * tasks; afterwards the pool is back to full strength (a new thread serves tasks).
 */
export const hangScenario: Scenario = {
  id: 'hang',
  title: `CPU busy loop past its hard limit (+${OTHERS} cpu tasks)`,
  duplicatesAllowed: false,
  timeoutMs: 90_000,
  async run(ctx) {
    await ctx.startRuntime();
    const cpu = (await ctx.client()).proxy(FaultCpu);
    // Warm up: both worker threads have loaded the job modules, so the hang's 1 s starts at once
    // and the other thread is ready to serve during it.
    const warmThreads = await serveRound(ctx, () => cpu.work.enqueue(ROUND_TASK_MS));
    ctx.expect(warmThreads.size === THREADS, `both worker threads should serve the warm-up (saw ${[...warmThreads].join(', ')})`);

    const hangId = await cpu.hang.enqueue();
    ctx.track([hangId]);
    const hangStart = await ctx.waitFor('the hanging task to start', () => ctx.records.linesOf(hangId)[0], { timeoutMs: 15_000, intervalMs: 50, failIf: ctx.noRuntimeAlive });
    const others = await publishAll(OTHERS, () => cpu.work.enqueue(TASK_MS));
    ctx.track(others.ids);
    ctx.expect(failureCount(others) === 0, `every publish should be confirmed: ${describeFailures(others)}`);
    await ctx.waitFor('the hanging task to be dead-lettered', async () => ((await ctx.inspector.depth(ctx.deadQueue('fault-cpu'))) ?? 0) > 0, {
      timeoutMs: 15_000,
      failIf: ctx.noRuntimeAlive,
    });
    const known = new Set([...warmThreads, hangStart.threadId]);
    const otherIds = new Set(others.ids);
    for (const line of ctx.records.lines) if (otherIds.has(line.taskId)) known.add(line.threadId);

    // The pool must be whole again: rounds of tasks until one runs on a thread started after the kill.
    let replacement: number | undefined;
    for (let round = 1; round <= 10 && replacement === undefined; round++) {
      const threads = await serveRound(ctx, () => cpu.work.enqueue(ROUND_TASK_MS));
      replacement = [...threads].find((thread) => !known.has(thread));
    }
    ctx.expect(replacement !== undefined, 'a replacement worker thread should serve tasks after the kill');

    const counted = await ctx.settle({ timeoutMs: 30_000 });
    ctx.expect(counted.deadLettered === 1, `only the hanging task should be dead-lettered (got ${counted.deadLettered})`);
    ctx.expect(counted.completed === counted.sent - 1, `every other task should complete (${counted.completed}/${counted.sent - 1})`);

    const [entry] = ctx.deadLettersOf(hangId);
    const headers = entry?.headers ?? {};
    ctx.expect(headers[HEADERS.deadErrorName] === 'TaskTimeLimitError', `the hang should be dead-lettered with TaskTimeLimitError, got ${String(headers[HEADERS.deadErrorName])}: ${String(headers[HEADERS.deadReason])}`);
    const killedAt = Date.parse(String(headers[HEADERS.deadAt]));
    const during = ctx.records.lines.filter((line) => line.kind === 'done' && line.at >= hangStart.at && line.at <= killedAt);
    ctx.note(`hang ran on thread ${hangStart.threadId} for ${killedAt - hangStart.at} ms; ${during.length} other tasks completed meanwhile; replacement thread ${replacement ?? 'none'}`);
    ctx.expect(during.length >= 10, `the other thread should keep completing tasks while the hang runs (${during.length} did)`);
  },
};

/** Publishes a round of tasks, waits for all of them, and returns the threads that ran them. */
async function serveRound(ctx: ScenarioContext, send: () => Promise<string>): Promise<Set<number>> {
  const report = await publishAll(ROUND_TASKS, send);
  ctx.track(report.ids);
  const ids = new Set(report.ids);
  await ctx.waitFor('a round of tasks to complete', () => ctx.records.doneAmong(ids) === ids.size, { timeoutMs: 15_000, intervalMs: 50, failIf: ctx.noRuntimeAlive });
  return new Set(ctx.records.lines.filter((line) => ids.has(line.taskId)).map((line) => line.threadId));
}
