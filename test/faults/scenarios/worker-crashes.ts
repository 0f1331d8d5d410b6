import { HEADERS } from '../../../src/protocol/headers';
import { FaultCpu } from '../jobs/cpu-jobs';
import { BROKEN_CONFIG } from '../support/paths';
import { describeFailures, failureCount, publishAll } from '../support/publisher';
import type { Scenario, ScenarioContext } from '../support/scenario';

const OTHERS = 200;
const HEAP_MB = 64;
/** "Fails fast": a job module that throws on import must stop `warren start` within this. */
const FAIL_FAST_MS = 5_000;

/**
 * In a runtime whose CPU workers have a 64 MB heap: a task that allocates until it runs out of
 * memory and a task that calls process.exit each kill only their worker thread and are
 * dead-lettered with WorkerCrashedError, while the other tasks complete. Then a config whose
 * job globs include a module that throws on import: `warren start` exits 1 at once, naming it.
 */
export const workerCrashScenario: Scenario = {
  id: 'crashes',
  title: `worker OOM + process.exit (+${OTHERS} cpu), broken job module`,
  duplicatesAllowed: false,
  timeoutMs: 60_000,
  async run(ctx) {
    const runtime = await ctx.startRuntime({ env: { WARREN_FAULT_CPU_HEAP_MB: String(HEAP_MB) } });
    const cpu = (await ctx.client()).proxy(FaultCpu);
    const oomId = await cpu.exhaustMemory.enqueue();
    const exitId = await cpu.exit.enqueue(7);
    ctx.track([oomId, exitId]);
    const others = await publishAll(OTHERS, () => cpu.work.enqueue(2));
    ctx.track(others.ids);
    ctx.expect(failureCount(others) === 0, `every publish should be confirmed: ${describeFailures(others)}`);
    const counted = await ctx.settle({ timeoutMs: 30_000 });
    ctx.expect(counted.completed === OTHERS, `the other tasks should all complete (${counted.completed}/${OTHERS})`);
    ctx.expect(counted.deadLettered === 2, `the two crashing tasks should be dead-lettered (got ${counted.deadLettered})`);
    for (const [what, id, reason] of [
      ['out of memory', oomId, /memory/i],
      ['process.exit', exitId, /exited with code: 7/],
    ] as const) {
      const runs = ctx.records.linesOf(id).length;
      ctx.expect(runs === 1, `the ${what} task should run once (ran ${runs} times)`);
      const headers = ctx.deadLettersOf(id)[0]?.headers ?? {};
      const detail = `${String(headers[HEADERS.deadErrorName])}: ${String(headers[HEADERS.deadReason])}`;
      ctx.expect(headers[HEADERS.deadErrorName] === 'WorkerCrashedError' && reason.test(String(headers[HEADERS.deadReason])), `the ${what} task should be dead-lettered with WorkerCrashedError (${reason}), got ${detail}`);
      ctx.note(`${what}: ${detail}`);
    }
    ctx.expect(runtime.alive, `the runtime should survive both crashes${runtime.describeOutput()}`);

    await brokenModuleFailsFast(ctx);
  },
};

async function brokenModuleFailsFast(ctx: ScenarioContext): Promise<void> {
  const broken = ctx.spawnRuntime({ config: BROKEN_CONFIG });
  const exit = await broken.waitExit(FAIL_FAST_MS * 3).catch((error: Error) => {
    ctx.failures.push(error.message);
    return undefined;
  });
  const took = Date.now() - broken.startedAt;
  ctx.note(`broken job module: ${exit ? `exit code ${exit.code}` : 'still running'} after ${took} ms; stderr: ${broken.stderr.trim().split('\n')[0] ?? ''}`);
  ctx.expect(exit?.code === 1, `warren start with a throwing job module should exit 1, got ${JSON.stringify(exit)}`);
  ctx.expect(took <= FAIL_FAST_MS, `it should fail fast (within ${FAIL_FAST_MS} ms), took ${took} ms`);
  ctx.expect(broken.stderr.includes('throws-on-import.ts'), `stderr should name the file: ${broken.stderr.trim().slice(0, 300)}`);
  ctx.expect(!broken.stdout.includes('[tasks]'), 'the broken runtime must not start serving');
}
