import { FaultIo } from '../jobs/io-jobs';
import { FaultStall } from '../jobs/stall-jobs';
import { describeFailures, failureCount, publishAll } from '../support/publisher';
import type { Scenario } from '../support/scenario';

const BLOCKERS = 3;
/** Past the default 1 s stall threshold (pools.io.stallThresholdMs), well under the 30 s heartbeat. */
const BLOCK_MS = 1_500;
const OTHERS = 300;

interface StallLine {
  readonly msg: string;
  readonly stalledMs: number;
  readonly tasks?: ReadonlyArray<{ readonly task: string; readonly taskId: string }>;
}

/**
 * I/O tasks that block the main thread's event loop for 1.5 s each, one after another, among 300
 * ordinary I/O tasks. Each stall is logged as a warning that names the blocking task and its id;
 * nothing is lost, duplicated or dead-lettered (before: nothing was logged at all).
 */
export const ioStallScenario: Scenario = {
  id: 'io-stall',
  title: `I/O tasks blocking the event loop (${BLOCKERS} x ${BLOCK_MS} ms, +${OTHERS} io tasks)`,
  duplicatesAllowed: false,
  timeoutMs: 90_000,
  async run(ctx) {
    const runtime = await ctx.startRuntime();
    const client = await ctx.client();
    const stall = client.proxy(FaultStall);
    const others = await publishAll(OTHERS, () => client.proxy(FaultIo).work.enqueue(5));
    ctx.track(others.ids);
    ctx.expect(failureCount(others) === 0, `every publish should be confirmed: ${describeFailures(others)}`);
    // One at a time: each its own stall, so each warning has one blocker to name.
    const blockers: string[] = [];
    for (let i = 0; i < BLOCKERS; i++) {
      const id = await stall.block.enqueue(BLOCK_MS);
      blockers.push(id);
      ctx.track([id]);
      await ctx.waitFor(`blocker ${i + 1} to finish`, () => ctx.records.linesOf(id)[0], { timeoutMs: 20_000, intervalMs: 50, failIf: ctx.noRuntimeAlive });
    }
    const counted = await ctx.settle({ timeoutMs: 45_000 });
    ctx.expect(counted.deadLettered === 0, `nothing should be dead-lettered (got ${counted.deadLettered})`);

    // The warning for the last stall is written once the loop is free again: wait for it.
    const stalls = await ctx.waitFor('a stall warning naming every blocker', () => {
      const lines = parseStalls(runtime.stdout);
      const named = blockers.filter((id) => lines.some((line) => line.tasks?.some((task) => task.taskId === id && task.task === 'FaultStall.block')));
      return named.length === BLOCKERS ? lines : undefined;
    }, { timeoutMs: 10_000, failIf: ctx.noRuntimeAlive }).catch((error: Error) => {
      ctx.expect(false, `${error.message}; warnings seen: ${parseStalls(runtime.stdout).map((line) => line.msg).join(' | ') || 'none'}`);
      return parseStalls(runtime.stdout);
    });
    const longest = Math.max(0, ...stalls.map((line) => line.stalledMs));
    ctx.expect(stalls.every((line) => /I\/O tasks must not block the main thread/.test(line.msg)), 'every stall warning should say I/O tasks must not block, and point to the cpu pool');
    ctx.expect(longest >= 1_000, `a stall of about ${BLOCK_MS} ms should be measured as such (longest ${longest} ms)`);
    ctx.note(`${stalls.length} stall warning(s) for ${BLOCKERS} blocks of ${BLOCK_MS} ms, the longest ${longest} ms; each named its blocker`);
  },
};

function parseStalls(stdout: string): StallLine[] {
  const lines: StallLine[] = [];
  for (const text of stdout.split('\n')) {
    if (!text.includes('event loop blocked')) continue;
    try {
      lines.push(JSON.parse(text) as StallLine);
    } catch {
      // a line cut by the tail's start
    }
  }
  return lines;
}
