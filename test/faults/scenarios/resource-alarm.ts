import { FaultIo } from '../jobs/io-jobs';
import { describeFailures, failureCount, LoadPublisher } from '../support/publisher';
import type { Scenario } from '../support/scenario';
import { consumersBack } from './under-load';

/** Held once every publisher lane waits; with the wait for that, shorter than the client's publishTimeoutMs (10 s). */
const ALARM_MS = 4_000;
const WINDOW = 32;
/**
 * The runtime's warn line if the broker blocked the connection its consumers ack on
 * (src/transport/amqp-transport.ts). Its publishing connection, named `... (publishing)`, may be
 * blocked: its lifecycle events ask the broker every 2 s whether anyone listens.
 */
const BLOCKED_LINE = /"connection":"warren runtime [^"(]*".*RabbitMQ is blocking publishes on this connection/;

/**
 * A memory alarm (`set_vm_memory_high_watermark 0.0000001`, then 0.4) while a publisher and a
 * runtime are busy. The publisher is blocked: every lane waits, and once the alarm clears (within
 * publishTimeoutMs) every publish is confirmed. The runtime replies to nothing for these tasks
 * (enqueued), and what it publishes itself (events, retries) goes on its publishing connection, so
 * RabbitMQ never blocks the connection it acks on: it consumes and acks throughout. Every task
 * completes once; none lost.
 */
export const resourceAlarmScenario: Scenario = {
  id: 'resource-alarm',
  title: `a memory alarm under load, held ${ALARM_MS / 1000} s once the publisher waits`,
  duplicatesAllowed: false,
  needsNodeControl: true,
  timeoutMs: 120_000,
  async run(ctx) {
    const node = ctx.broker.node;
    if (!node) throw new Error('needs node control');
    const runtime = await ctx.startRuntime();
    const client = await ctx.client();
    const io = client.proxy(FaultIo);
    const load = new LoadPublisher(() => io.work.enqueue(20), { ratePerSecond: 300, window: WINDOW, max: 50_000 });
    try {
      await ctx.waitFor('300 tasks to complete before the alarm', () => ctx.records.doneAmong(new Set(load.ids)) >= 300, { timeoutMs: 30_000, failIf: ctx.noRuntimeAlive });
      const confirmedBefore = load.ids.length;
      await node.ctl(['set_vm_memory_high_watermark', '0.0000001']);
      try {
        const t0 = Date.now();
        await ctx.waitFor('every publisher lane to wait', () => load.waiting >= WINDOW, { timeoutMs: 5_000, failIf: ctx.noRuntimeAlive });
        const blockedAfter = Date.now() - t0;
        const doneBlocked = ctx.records.doneAmong(new Set(load.ids));
        await new Promise((resolve) => setTimeout(resolve, ALARM_MS));
        ctx.note(`every publisher lane waited ${blockedAfter} ms after the alarm was set (still waiting ${ALARM_MS} ms later: ${load.waiting}; confirmed from setting the alarm until its clearing: ${load.ids.length - confirmedBefore}); the runtime completed ${ctx.records.doneAmong(new Set(load.ids)) - doneBlocked} tasks while the publisher was blocked`);
      } finally {
        await node.ctl(['set_vm_memory_high_watermark', '0.4']); // whatever happened: the next scenario needs to publish
      }
      ctx.expect(runtime.countLines(BLOCKED_LINE) === 0, 'a runtime that published nothing during the alarm should not have been blocked');
      await consumersBack(ctx);
      const mark = load.ids.length;
      await ctx.waitFor('300 tasks published after the alarm to complete', () => {
        const later = new Set(load.ids.slice(mark));
        return later.size >= 300 && ctx.records.doneAmong(later) >= 300;
      }, { timeoutMs: 60_000, failIf: ctx.noRuntimeAlive });
    } finally {
      const report = await load.stop();
      ctx.track(report.ids);
      const failed = failureCount(report);
      ctx.note(`${report.ids.length} publishes confirmed, ${failed} failed${failed ? ` (${describeFailures(report)})` : ''}`);
      ctx.expect(failed === 0, `an alarm shorter than publishTimeoutMs should fail no publish (${describeFailures(report)})`);
    }
    const counted = await ctx.settle({ timeoutMs: 60_000 });
    ctx.expect(counted.deadLettered === 0, `nothing should be dead-lettered (got ${counted.deadLettered})`);
    ctx.expect(runtime.alive && ctx.runtimes.length === 1, `the runtime should ride out the alarm without a restart${runtime.describeOutput()}`);
  },
};
