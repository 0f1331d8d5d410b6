import { HEADERS } from '../../../src/protocol/headers';
import { FaultRetry } from '../jobs/retry-jobs';
import { describeFailures, failureCount, publishAll } from '../support/publisher';
import type { Scenario } from '../support/scenario';

const TASKS = 5;
const MAX_ATTEMPTS = 3;
/** FaultRetry's policy: 100 ms before attempt 2, 1 000 ms before attempt 3, waited exactly in the delay cascade. */
const DELAYS_MS = [100, 1_000];

/**
 * A task that always throws, retried with maxAttempts 3: exactly 3 runs per task, each wait
 * longer than the one before, at least its backoff and within 1 s of it, then exactly one dead-letter entry
 * that says why (error name, message, attempts).
 */
export const retryScenario: Scenario = {
  id: 'retry',
  title: `always throws, maxAttempts ${MAX_ATTEMPTS} (${TASKS} tasks)`,
  duplicatesAllowed: false,
  timeoutMs: 60_000,
  async run(ctx) {
    await ctx.startRuntime();
    const retry = (await ctx.client()).proxy(FaultRetry);
    const report = await publishAll(TASKS, () => retry.alwaysThrows.enqueue());
    ctx.track(report.ids);
    ctx.expect(failureCount(report) === 0, `every publish should be confirmed: ${describeFailures(report)}`);
    const counted = await ctx.settle({ timeoutMs: 30_000 });
    ctx.expect(counted.deadLettered === TASKS, `all ${TASKS} should be dead-lettered (got ${counted.deadLettered})`);

    const gaps: string[] = [];
    for (const id of report.ids) {
      const runs = ctx.records.linesOf(id).filter((line) => line.kind === 'run');
      const attempts = runs.map((line) => line.attempt);
      ctx.expect(JSON.stringify(attempts) === JSON.stringify([1, 2, 3]), `${id}: runs should be attempts [1,2,3], got [${attempts.join(',')}]`);
      const waits = runs.slice(1).map((line, i) => line.at - (runs[i]?.at ?? line.at));
      gaps.push(waits.join('/'));
      waits.forEach((wait, i) => {
        const tier = DELAYS_MS[i] ?? 0;
        ctx.expect(wait >= tier, `${id}: wait before attempt ${i + 2} should be at least ${tier} ms, was ${wait} ms`);
        ctx.expect(wait < tier + 1_000, `${id}: wait before attempt ${i + 2} should be within 1 s of ${tier} ms, was ${wait} ms`);
      });
      if (waits.length === 2) ctx.expect((waits[1] ?? 0) > (waits[0] ?? 0), `${id}: the delays should grow, got ${waits.join(' then ')} ms`);

      const entries = ctx.deadLettersOf(id);
      ctx.expect(entries.length === 1, `${id}: exactly one dead-letter entry, got ${entries.length}`);
      const headers = entries[0]?.headers ?? {};
      ctx.expect(headers[HEADERS.deadErrorName] === 'FaultError', `${id}: ${HEADERS.deadErrorName} should be FaultError, got ${String(headers[HEADERS.deadErrorName])}`);
      ctx.expect(headers[HEADERS.deadReason] === `always throws (attempt ${MAX_ATTEMPTS})`, `${id}: ${HEADERS.deadReason} should carry the last error, got ${String(headers[HEADERS.deadReason])}`);
      ctx.expect(Number(headers[HEADERS.deadAttempts]) === MAX_ATTEMPTS, `${id}: ${HEADERS.deadAttempts} should be ${MAX_ATTEMPTS}, got ${String(headers[HEADERS.deadAttempts])}`);
    }
    ctx.note(`waits between attempts (ms, per task): ${gaps.join(', ')}`);
  },
};
