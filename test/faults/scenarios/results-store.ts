import { FaultCpu } from '../jobs/cpu-jobs';
import { FaultIo } from '../jobs/io-jobs';
import { idsWithoutFinalRow } from '../support/postgres';
import { LoadPublisher } from '../support/publisher';
import type { Scenario, ScenarioContext } from '../support/scenario';
import { CONNECTION_LOST_LINE, consumersBack, faultUnderLoad, stopLoad } from './under-load';

/** Every sent task that was acknowledged must have its outcome in the store: the row is written before the ack. */
async function expectEveryRow(ctx: ScenarioContext, url: string): Promise<void> {
  const missing = await idsWithoutFinalRow(url, ctx.namespace, ctx.sent);
  ctx.expect(missing.length === 0, `${missing.length} of ${ctx.sent.size} settled tasks have no finished row in the result store, e.g. ${missing.slice(0, 3).join(', ')}`);
  ctx.note(`${ctx.sent.size - missing.length} of ${ctx.sent.size} tasks have their finished row in PostgreSQL`);
}

/** PostgreSQL stopped for 3 s and started again while a runtime storing results is busy. */
export const resultsPostgresRestartScenario: Scenario = {
  id: 'results-postgres-restart',
  title: 'PostgreSQL result store restarted under load',
  duplicatesAllowed: false,
  needsPostgres: true,
  timeoutMs: 180_000,
  async run(ctx) {
    const postgres = ctx.postgres;
    if (!postgres) throw new Error('needs PostgreSQL');
    const runtime = await ctx.startRuntime({ env: { WARREN_RESULTS_URL: postgres.url } });
    const client = await ctx.client();
    const io = client.proxy(FaultIo);
    const cpu = client.proxy(FaultCpu);
    const load = new LoadPublisher((i) => (i % 4 === 3 ? cpu.work.enqueue(2) : io.work.enqueue(20)), { ratePerSecond: 300, window: 32, max: 50_000 });
    try {
      await ctx.waitFor('300 tasks to complete before the fault', () => ctx.records.doneAmong(new Set(load.ids)) >= 300, { timeoutMs: 30_000, failIf: ctx.noRuntimeAlive });
      const t0 = Date.now();
      await postgres.halt();
      ctx.log('postgres stopped');
      try {
        // Not consuming while its store is away: no work queue keeps a consumer.
        await ctx.waitFor('the runtime to stop consuming its queues', async () => {
          for (const queue of ctx.workQueues) if (((await ctx.inspector.queueInfo(queue))?.consumers ?? 1) > 0) return false;
          return true;
        }, { timeoutMs: 30_000, failIf: ctx.noRuntimeAlive });
        ctx.log(`runtime paused its queues ${Date.now() - t0} ms after the stop`);
        await new Promise((resolve) => setTimeout(resolve, 3_000)); // the outage itself: publishes go on meanwhile
      } finally {
        await postgres.start();
        ctx.log('postgres started');
      }
      await consumersBack(ctx);
      const mark = load.ids.length;
      await ctx.waitFor('300 tasks published after the restart to complete', () => {
        const later = new Set(load.ids.slice(mark));
        return later.size >= 300 && ctx.records.doneAmong(later) >= 300;
      }, { timeoutMs: 60_000, failIf: ctx.noRuntimeAlive });
      ctx.note(`store down to consuming again: ${Date.now() - t0} ms`);
      ctx.expect(runtime.countLines(/result store unreachable/) > 0, 'the runtime should have logged that its result store was unreachable');
      ctx.expect(runtime.countLines(CONNECTION_LOST_LINE) === 0, 'the broker connection should not have dropped');
    } finally {
      await stopLoad(ctx, load);
    }
    const counted = await ctx.settle({ timeoutMs: 60_000 });
    ctx.expect(counted.deadLettered === 0, `nothing should be dead-lettered (got ${counted.deadLettered})`);
    ctx.expect(runtime.alive && ctx.runtimes.length === 1, `the runtime should recover by itself, without a restart${runtime.describeOutput()}`);
    await expectEveryRow(ctx, postgres.url);
  },
};

/** RabbitMQ stop_app/start_app under load with results stored: every settled task keeps its row. */
export const resultsBrokerRestartScenario: Scenario = {
  id: 'results-broker-restart',
  title: 'RabbitMQ restarted under load, results stored in PostgreSQL',
  duplicatesAllowed: true,
  needsNodeControl: true,
  needsPostgres: true,
  timeoutMs: 180_000,
  async run(ctx) {
    const node = ctx.broker.node;
    const postgres = ctx.postgres;
    if (!node || !postgres) throw new Error('needs node control and PostgreSQL');
    await faultUnderLoad(
      ctx,
      'broker stop_app + start_app',
      async ({ runtime }) => {
        const drops = runtime.countLines(CONNECTION_LOST_LINE);
        await node.stopApp();
        try {
          await ctx.waitFor('the runtime to notice', () => runtime.countLines(CONNECTION_LOST_LINE) > drops, { timeoutMs: 20_000, failIf: ctx.noRuntimeAlive });
        } finally {
          await node.startApp();
        }
      },
      1,
      { WARREN_RESULTS_URL: postgres.url },
    );
    await expectEveryRow(ctx, postgres.url);
  },
};
