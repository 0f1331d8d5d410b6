import { FaultCpu } from '../jobs/cpu-jobs';
import { FaultIo } from '../jobs/io-jobs';
import { describeFailures, failureCount, LoadPublisher } from '../support/publisher';
import type { RuntimeProcess } from '../support/runtime-process';
import type { ScenarioContext } from '../support/scenario';

const RATE_PER_SECOND = 300;
export const WINDOW = 32;
const WARM_UP = 300;
const AFTER_FAULT = 300;
/** Per connection loss, duplicates can only come from work in flight (fault-io 32 + fault-cpu 2) or from publishes the client repeated (WINDOW). */
const MAX_DUPLICATES_PER_FAULT = 32 + 2 + WINDOW;

/** What an injected fault can watch. */
export interface FaultHooks {
  readonly runtime: RuntimeProcess;
  readonly load: LoadPublisher;
}

/** The runtime's warn line when its connection drops (src/runtime/runtime.ts). */
export const CONNECTION_LOST_LINE = /broker connection lost; reconnecting/;

/**
 * The shared shape of the broker-fault scenarios: a runtime and a steady publisher; once work
 * flows, `inject` breaks the broker connection; the runtime must recover by itself (never
 * restarted by the suite), the client must publish again, and every confirmed task complete.
 */
export async function faultUnderLoad(ctx: ScenarioContext, what: string, inject: (hooks: FaultHooks) => Promise<void>, faults = 1, runtimeEnv: Readonly<Record<string, string>> = {}): Promise<void> {
  const runtime = await ctx.startRuntime({ env: runtimeEnv });
  const client = await ctx.client();
  const io = client.proxy(FaultIo);
  const cpu = client.proxy(FaultCpu);
  const load = new LoadPublisher((i) => (i % 4 === 3 ? cpu.work.enqueue(2) : io.work.enqueue(20)), { ratePerSecond: RATE_PER_SECOND, window: WINDOW, max: 50_000 });
  try {
    await ctx.waitFor(`${WARM_UP} tasks to complete before the fault`, () => ctx.records.doneAmong(new Set(load.ids)) >= WARM_UP, { timeoutMs: 30_000, failIf: ctx.noRuntimeAlive });
    const t0 = Date.now();
    const confirmedBefore = load.ids.length;
    const drops = runtime.countLines(CONNECTION_LOST_LINE);
    await inject({ runtime, load });
    const faultMs = Date.now() - t0;
    const confirmedDuring = load.ids.length - confirmedBefore;
    ctx.log(`${what} took ${faultMs} ms; ${confirmedDuring} publishes confirmed meanwhile`);

    await consumersBack(ctx);
    const mark = load.ids.length;
    const t1 = Date.now();
    await ctx.waitFor(`${AFTER_FAULT} tasks published after the fault to complete`, () => {
      const later = new Set(load.ids.slice(mark));
      return later.size >= AFTER_FAULT && ctx.records.doneAmong(later) >= AFTER_FAULT;
    }, { timeoutMs: 60_000, failIf: ctx.noRuntimeAlive });
    ctx.note(`${what}: ${faultMs} ms; work published after it flowed again ${Date.now() - t1} ms later`);
    ctx.expect(runtime.countLines(CONNECTION_LOST_LINE) > drops, `the runtime should have logged that it lost its connection ("${CONNECTION_LOST_LINE.source}")`);
  } finally {
    await stopLoad(ctx, load);
  }
  const counted = await ctx.settle({ timeoutMs: 60_000 });
  ctx.expect(counted.deadLettered === 0, `nothing should be dead-lettered (got ${counted.deadLettered})`);
  const maxDuplicates = faults * MAX_DUPLICATES_PER_FAULT;
  ctx.expect(counted.duplicated <= maxDuplicates, `at most ${maxDuplicates} duplicates (work in flight plus repeated publishes, per connection loss), got ${counted.duplicated}`);
  ctx.expect(runtime.alive && ctx.runtimes.length === 1, `the runtime should recover by itself, without a restart (${runtime.alive ? 'alive' : 'dead'})${runtime.describeOutput()}`);
}

/** Stops the publisher and counts what the broker confirmed as sent, with a note of what failed. */
export async function stopLoad(ctx: ScenarioContext, load: LoadPublisher): Promise<void> {
  const report = await load.stop();
  ctx.track(report.ids);
  const failed = failureCount(report);
  ctx.note(`${report.ids.length} publishes confirmed, ${failed} failed${failed ? ` (${describeFailures(report)})` : ''}`);
}

/** Resolves once every work queue has a consumer again: the runtime re-declared and re-consumed. */
export async function consumersBack(ctx: ScenarioContext, timeoutMs = 30_000): Promise<void> {
  await ctx.waitFor('a consumer on every work queue again', async () => {
    for (const queue of ctx.workQueues) if (((await ctx.inspector.queueInfo(queue))?.consumers ?? 0) < 1) return false;
    return true;
  }, { timeoutMs, failIf: ctx.noRuntimeAlive });
}
