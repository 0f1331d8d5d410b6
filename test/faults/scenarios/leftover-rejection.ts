import { HEADERS } from '../../../src/protocol/headers';
import { FaultLeftover } from '../jobs/leftover-jobs';
import { describeFailures, failureCount, publishAll } from '../support/publisher';
import type { Scenario } from '../support/scenario';

const LATE = 20;
const NOW = 10;
const INNOCENT = 200;

/**
 * CPU tasks that leave a promise rejection nobody handles. One that leaves it while it runs fails
 * for it (dead-lettered, naming the rejection); one whose rejection surfaces after it ended
 * completes, and a warning names it; the innocent tasks that run next on the same threads all
 * complete (they yield, so what was left surfaces while they run), and no worker thread dies.
 */
export const leftoverRejectionScenario: Scenario = {
  id: 'leftover-rejection',
  title: `CPU tasks leave unhandled rejections (${LATE} late + ${NOW} during the run, +${INNOCENT} cpu tasks)`,
  duplicatesAllowed: false,
  timeoutMs: 90_000,
  async run(ctx) {
    const runtime = await ctx.startRuntime();
    const client = await ctx.client();
    const leftover = client.proxy(FaultLeftover);
    // Interleaved, so each leftover surfaces while an innocent task runs on its thread.
    const sent = await publishAll(LATE + NOW + INNOCENT, (i) => (i % 8 === 0 && i / 8 < LATE ? leftover.leakLater.enqueue(50) : i % 8 === 4 && (i - 4) / 8 < NOW ? leftover.leakNow.enqueue() : leftover.innocent.enqueue(5)), 1);
    ctx.track(sent.ids);
    ctx.expect(failureCount(sent) === 0, `every publish should be confirmed: ${describeFailures(sent)}`);
    const counted = await ctx.settle({ timeoutMs: 45_000 });
    // A rejection left on a thread that then waits for work surfaces with its next task: one more round.
    const last = await publishAll(20, () => leftover.innocent.enqueue(3));
    ctx.track(last.ids);
    const total = await ctx.settle({ timeoutMs: 20_000 });

    ctx.expect(counted.deadLettered === NOW && total.deadLettered === NOW, `only the ${NOW} tasks that left a rejection while running should be dead-lettered (got ${total.deadLettered})`);
    ctx.expect(total.completed === total.sent - NOW, `every other task should complete (${total.completed}/${total.sent - NOW})`);
    for (const entry of ctx.deadLetters) {
      const headers = entry.headers ?? {};
      const reason = String(headers[HEADERS.deadReason]);
      if (!/FaultLeftover\.leakNow left a promise rejection unhandled: Error: left behind by FaultLeftover\.leakNow/.test(reason)) {
        ctx.failures.push(`dead-lettered with the wrong blame: ${String(headers[HEADERS.deadErrorName])}: ${reason}`);
        break;
      }
    }
    const warnings = await ctx
      .waitFor(`${LATE} warnings about late rejections`, () => {
        const n = runtime.countLines(/left unhandled on CPU worker thread \d+ by FaultLeftover\.leakLater \(task [^)]+\) after it ended/);
        return n >= LATE ? n : undefined;
      }, { timeoutMs: 10_000, failIf: ctx.noRuntimeAlive })
      .catch(() => runtime.countLines(/left unhandled/));
    ctx.expect(warnings === LATE, `each late rejection should be logged once, naming its task (${warnings} warnings)`);
    const crashed = runtime.countLines(/WorkerCrashedError|CPU worker error outside a task/);
    ctx.expect(crashed === 0, `no worker thread should die, with a task or between tasks (${crashed} log lines say one did)`);
    ctx.note(`${warnings} late-rejection warnings; ${total.deadLettered} dead-lettered, all blamed on FaultLeftover.leakNow`);
  },
};
