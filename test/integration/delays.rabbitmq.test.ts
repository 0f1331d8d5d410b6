import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TaskStartedEvent } from '../../src/runtime/task-event';
import { levelsWaitedIn, MAX_PASS_DELAY_MS } from '../../src/topology/delay-cascade';
import { TopologyNames } from '../../src/topology/topology';
import { IoJobs, MathJobs } from '../fixtures/jobs/fixture-jobs';
import { collectTaskEvents, nextTaskEvent, randomNamespace, startFixtureStack, type FixtureStack } from '../support/fixture-runtime';
import { requireRabbitNode } from '../support/requirements';

const node = requireRabbitNode();

describe('countdowns on RabbitMQ: the delay cascade', { skip: !node }, () => {
  let stack: FixtureStack;
  const namespace = randomNamespace();
  const names = new TopologyNames(namespace);

  before(async () => {
    stack = await startFixtureStack(node!.url, namespace);
  });
  after(async () => {
    await stack?.stop();
  });

  test('delays of 0, 1, 3 and 37 s start after their due time, never before, and within 1 s of it', { timeout: 90_000 }, async (t) => {
    const delays = [0, 1_000, 3_000, 37_000];
    const starts = new Map<string, TaskStartedEvent>();
    const listener = (event: TaskStartedEvent) => void starts.set(event.taskId, event);
    stack.runtime.on('started', listener);
    // Listening before anything is sent: a task of no delay may finish before its enqueue returns.
    const finished = collectTaskEvents(stack.runtime, delays.length, (event) => event.task === 'IoJobs.echo' && event.outcome === 'succeeded');
    try {
      const io = stack.client.proxy(IoJobs);
      const sent = await Promise.all(delays.map(async (delayMs) => ({ delayMs, calledAt: Date.now(), id: await io.echo.with({ delayMs }).enqueue(`after ${delayMs} ms`) })));
      await finished;
      const measured = sent.map(({ delayMs, calledAt, id }) => {
        const start = starts.get(id);
        assert.ok(start, `a started event for ${id}`);
        return { delayMs, late: start.at - (calledAt + delayMs) };
      });
      for (const { delayMs, late } of measured) {
        assert.ok(late >= 0, `a ${delayMs} ms delay started ${-late} ms early`);
        assert.ok(late < 1_000, `a ${delayMs} ms delay started ${late} ms late`);
      }
      t.diagnostic(`start minus due time: ${measured.map(({ delayMs, late }) => `${delayMs / 1000} s: ${late} ms`).join(', ')}`);
    } finally {
      stack.runtime.off('started', listener);
    }
  });

  test('a delay of 30 days waits in the broker, in the cascade level its route says, not in the runtime', { timeout: 30_000 }, async () => {
    const thirtyDays = 30 * 86_400_000;
    const scheduled = nextTaskEvent(stack.runtime, (event) => event.task === 'Maths.add' && event.outcome === 'scheduled');
    const id = await stack.client.proxy(MathJobs).add.with({ delayMs: thirtyDays }).enqueue(1, 2);
    const event = await scheduled;
    assert.equal(event.taskId, id);
    // The first pass serves 2^31 - 1 ms, through every level, entering at the top one; the rest is a second pass.
    const [top] = levelsWaitedIn(Math.min(thirtyDays, MAX_PASS_DELAY_MS));
    const queues = Object.fromEntries((await node!.listQueues()).filter((q) => q.name.startsWith(`${namespace}.`)).map((q) => [q.name, q.messages]));
    assert.equal(queues[names.delayLevelQueue(top!)], 1, `the task waits in ${names.delayLevelQueue(top!)}`);
    assert.equal(queues[`${namespace}.fx-io`], 0, 'not in its work queue');
    assert.equal(stack.runtime.inFlight, 0, 'the runtime holds nothing');
    const status = await stack.client.status(id, { timeoutMs: 300 });
    assert.equal(status.state, 'scheduled');
    assert.ok(Math.abs(Date.parse(status.nextAttemptAt ?? '') - (Date.now() + thirtyDays)) < 60_000, `due in 30 days: ${status.nextAttemptAt}`);
    await node!.ctl(['purge_queue', names.delayLevelQueue(top!)]);
  });
});
