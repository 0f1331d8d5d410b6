import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  connect,
  InvalidArgumentsError,
  InvalidCallOptionsError,
  PayloadTooLargeError,
  RemoteTaskError,
  RpcTimeoutError,
  UnroutableTaskError,
  type Runtime,
} from '../../src';
import { context as otelContext, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { HEADERS } from '../../src/protocol/headers';
import { openTransport } from '../../src/transport/open-transport';
import { parseTraceparent } from '../../src/tracing/traceparent';
import { encodeTaskRequest } from '../../src/protocol/task-request';
import { CpuJobs, IoJobs, MathJobs } from '../fixtures/jobs/fixture-jobs';
import { CpuRetryJobs, RetryJobs } from '../fixtures/jobs/retry-jobs';
import { runLog } from '../fixtures/jobs/run-log';
import { captureLogger, collectTaskEvents, fixtureConfig, nextTaskEvent, randomNamespace, startFixtureStack, type FixtureStack } from '../support/fixture-runtime';
import type { BrokerHarness } from './broker-harness';
import { SCHED_IDLE } from '../../src/pools/thread-priority';
import type { TaskStartedEvent } from '../../src/runtime/task-event';

const TEST_TIMEOUT = { timeout: 60_000 };

/** A runtime and a client on the harness's broker, declaring its queue type. */
function stackOn(harness: BrokerHarness, namespace = randomNamespace()): Promise<FixtureStack> {
  if (!harness.queueType) return startFixtureStack(harness.url, namespace);
  const { broker } = fixtureConfig(harness.url, namespace);
  return startFixtureStack(harness.url, namespace, { broker: { ...broker, queueType: harness.queueType } });
}

/** The behaviour every transport must give the runtime and the client. Run once per broker. */
export function runtimeConformance(makeHarness: () => Promise<BrokerHarness>): void {
  let harness: BrokerHarness;
  let stack: FixtureStack;

  before(async () => {
    harness = await makeHarness();
    stack = await stackOn(harness);
  });
  after(async () => {
    await stack?.stop();
    await harness?.close();
  });

  describe('calls through typed proxies', () => {
    test('an I/O task and a CPU task answer with their results', TEST_TIMEOUT, async () => {
      const io = stack.client.proxy(IoJobs);
      const cpu = stack.client.proxy(CpuJobs);
      assert.deepEqual(await io.echo({ a: [1, 'two', null] }), { a: [1, 'two', null] });
      assert.equal(await cpu.echo('from a worker'), 'from a worker');
    });

    test('tasks of two classes on one queue are dispatched by name', TEST_TIMEOUT, async () => {
      assert.equal(await stack.client.proxy(MathJobs).add(2, 3), 5);
      assert.deepEqual(await stack.client.proxy<IoJobs>('IoJobs').echo('by name'), 'by name');
    });

    test('CPU workers compile the job modules without loading the TypeScript compiler', TEST_TIMEOUT, async () => {
      // The main thread runs under @swc-node/register (which loads it); workers register Warren's own SWC hook.
      assert.equal(await stack.client.proxy(CpuJobs).typescriptCompilerLoaded(), false);
    });

    test('a task that throws rejects the caller with its name, message, stack and fields, on both pools', TEST_TIMEOUT, async () => {
      for (const proxy of [stack.client.proxy(IoJobs), stack.client.proxy(CpuJobs)]) {
        await assert.rejects(proxy.fail('it broke'), (error: Error) => {
          assert.ok(error instanceof RemoteTaskError);
          assert.equal(error.remoteName, 'FixtureError');
          assert.equal(error.remoteMessage, 'it broke');
          assert.match(error.remoteStack ?? '', /fixture-jobs\.ts/);
          assert.deepEqual(error.data, { code: 'E_FIXTURE' });
          return true;
        });
      }
    });

    test('enqueue returns the task id once the broker has the task, and the task runs', TEST_TIMEOUT, async () => {
      const ran = nextTaskEvent(stack.runtime, (event) => event.task === 'Maths.add');
      const id = await stack.client.proxy(MathJobs).add.enqueue(1, 1);
      assert.match(id, /^[0-9a-f-]{36}$/);
      const event = await ran;
      assert.equal(event.taskId, id);
      assert.equal(event.outcome, 'succeeded');
    });

    test('a caller that stops waiting gets RpcTimeoutError, its entry is freed, and the late reply is dropped with a log line', TEST_TIMEOUT, async () => {
      const capture = captureLogger('warn');
      const client = await connect({ url: harness.url, config: stack.config, logger: capture.logger });
      try {
        const finished = nextTaskEvent(stack.runtime, (event) => event.task === 'IoJobs.sleep');
        await assert.rejects(client.proxy(IoJobs).sleep.with({ timeoutMs: 50 })(400), (error: Error) => {
          assert.ok(error instanceof RpcTimeoutError);
          assert.equal(error.timeoutMs, 50);
          return true;
        });
        assert.equal(client.waiting, 0);
        await finished;
        await capture.waitFor(/late or unknown reply dropped/);
      } finally {
        await client.close();
      }
    });

    test('a task that no runtime serves fails at once with UnroutableTaskError', TEST_TIMEOUT, async () => {
      await assert.rejects(stack.client.call('Nobody.serves', []), (error: Error) => {
        assert.ok(error instanceof UnroutableTaskError);
        assert.match(error.message, /No queue is bound to task 'Nobody.serves'/);
        return true;
      });
      assert.equal(stack.client.waiting, 0);
      await assert.rejects(stack.client.proxy<IoJobs>('Misspelt').echo(1), UnroutableTaskError);
    });

    test('arguments over the size limit are refused before they are published', TEST_TIMEOUT, async () => {
      const huge = 'x'.repeat(stack.config.maxPayloadBytes + 1);
      await assert.rejects(stack.client.proxy(IoJobs).echo(huge), PayloadTooLargeError);
    });
  });

  describe('dependency injection', () => {
    test('job classes get constructor injection and providers in the main thread and in CPU workers', TEST_TIMEOUT, async () => {
      const main = await stack.client.proxy(IoJobs).whereAmI();
      const worker = await stack.client.proxy(CpuJobs).whereAmI();
      assert.equal(main.threadId, 0);
      assert.ok(worker.threadId > 0, `expected a worker thread, got ${worker.threadId}`);
      for (const where of [main, worker]) {
        // design:paramtypes was emitted: the class parameter by its class, the interface one as a placeholder
        assert.equal(where.paramTypes.length, 2);
        assert.equal(where.paramTypes[0], 'Greeter');
        assert.equal(where.label, 'from providers');
      }
      assert.equal(main.greeting, 'hello, io');
      assert.equal(worker.greeting, 'hello, cpu');
    });
  });

  describe('isolation', () => {
    test('a CPU task past its hard limit is killed while other CPU tasks complete, and the pool recovers', TEST_TIMEOUT, async () => {
      const cpu = stack.client.proxy(CpuJobs);
      const hung = cpu.hang();
      const others = await Promise.all(Array.from({ length: 6 }, () => cpu.spin(20)));
      assert.equal(others.length, 6);
      await assert.rejects(hung, (error: Error) => {
        assert.ok(error instanceof RemoteTaskError);
        assert.equal(error.remoteName, 'TaskTimeLimitError');
        assert.match(error.remoteMessage, /hard time limit of 3000 ms/);
        return true;
      });
      assert.ok((await cpu.whereAmI()).threadId > 0);
    });

    test('a CPU task that calls process.exit fails alone; the runtime keeps serving', TEST_TIMEOUT, async () => {
      const cpu = stack.client.proxy(CpuJobs);
      await assert.rejects(cpu.exit(3), (error: Error) => {
        assert.ok(error instanceof RemoteTaskError);
        assert.equal(error.remoteName, 'WorkerCrashedError');
        assert.match(error.remoteMessage, /exited with code: 3/);
        return true;
      });
      assert.deepEqual(await Promise.all([cpu.echo(1), cpu.echo(2), cpu.echo(3)]), [1, 2, 3]);
    });

    test('CPU worker threads run at a lower scheduling priority than the main thread', TEST_TIMEOUT, async () => {
      const main = await stack.client.proxy(IoJobs).nice();
      const worker = await stack.client.proxy(CpuJobs).nice();
      assert.equal(worker, 19, `worker nice ${worker}, main thread nice ${main}: by default workers run at the lowest priority`);
      // and under SCHED_IDLE (where chrt exists, as it does on Debian), so a waking I/O thread takes the core at once
      assert.equal(await stack.client.proxy(CpuJobs).schedulingPolicy(), SCHED_IDLE);
      assert.equal(await stack.client.proxy(IoJobs).schedulingPolicy(), 0);
    });

    test('the I/O queue keeps answering while the CPU queue is saturated', TEST_TIMEOUT, async () => {
      const cpu = stack.client.proxy(CpuJobs);
      const io = stack.client.proxy(IoJobs);
      const backlog = 8; // 8 x 250 ms on 2 threads: about a second of saturation
      let cpuDone = 0;
      const cpuCalls = Array.from({ length: backlog }, () => cpu.spin(250).then(() => cpuDone++));
      await nextTaskEvent(stack.runtime, () => true).catch(() => undefined); // let the backlog start
      const answeredWhileBusy: number[] = [];
      for (let i = 0; i < 20; i++) {
        assert.equal(await io.echo(i), i);
        answeredWhileBusy.push(cpuDone);
      }
      await Promise.all(cpuCalls);
      assert.ok(answeredWhileBusy.every((done) => done < backlog), `every I/O reply arrived before the CPU backlog finished (${answeredWhileBusy})`);
    });
  });

  describe('bad input', () => {
    test('malformed, unknown and foreign messages go to the dead-letter queue with the reason; the runtime keeps serving', TEST_TIMEOUT, async () => {
      const own = await stackOn(harness); // a dead-letter queue of its own
      try {
        const queue = `${own.config.broker.namespace}.fx-io`;
        const rejected = collectTaskEvents(own.runtime, 3, (event) => event.outcome === 'rejected');
        const good = encodeTaskRequest({ id: 'raw-1', task: 'IoJobs.echo', args: [1], attempt: 1 }, 1024);
        await harness.publishRaw(queue, Buffer.from('{"args": [1,'), { ...good.properties, messageId: 'bad-json' });
        await harness.publishRaw(queue, good.body, { ...good.properties, messageId: 'ghost', headers: { ...good.properties.headers, [HEADERS.task]: 'Ghost.task' } });
        await harness.publishRaw(queue, Buffer.from('hello'), { messageId: 'foreign', contentType: 'text/plain' });
        await rejected;

        const entries = await harness.takeMessages(`${queue}.dead`, 3);
        const reasonOf = (body: string) => {
          const entry = entries.find((e) => e.body === body);
          return `${String(entry?.headers[HEADERS.deadErrorName])}: ${String(entry?.headers[HEADERS.deadReason])}`;
        };
        assert.match(reasonOf('{"args": [1,'), /^InvalidMessageError: Body is not valid JSON/);
        assert.match(reasonOf(good.body.toString()), /^UnknownTaskError: Unknown task 'Ghost.task'/);
        assert.match(reasonOf('hello'), /^InvalidMessageError: Unsupported protocol version/);
        for (const entry of entries) {
          assert.equal(entry.headers[HEADERS.deadQueue], queue);
          assert.equal(entry.headers[HEADERS.deadRuntime], own.runtime.id);
        }
        assert.equal(await own.client.proxy(IoJobs).echo('still serving'), 'still serving');
      } finally {
        await own.stop();
      }
    });
  });

  describe('countdown and ETA', () => {
    // The embedded broker's delay timers do not hold the process open (warren start does): while a
    // test awaits only a scheduled task, this does.
    let keepAlive: NodeJS.Timeout | undefined;
    before(() => void (keepAlive = setInterval(() => {}, 1_000)));
    after(() => clearInterval(keepAlive));
    const startOf = (task: string) =>
      new Promise<TaskStartedEvent>((resolve) => {
        const listener = (event: TaskStartedEvent) => {
          if (event.task !== task) return;
          stack.runtime.off('started', listener);
          resolve(event);
        };
        stack.runtime.on('started', listener);
      });

    test('a delayed call starts at its due time, not before, on both pools, and its reply timeout counts from then', TEST_TIMEOUT, async () => {
      for (const [name, proxy] of [['IoJobs', stack.client.proxy(IoJobs)], ['CpuJobs', stack.client.proxy(CpuJobs)]] as const) {
        const scheduled = nextTaskEvent(stack.runtime, (event) => event.outcome === 'scheduled');
        const started = startOf(`${name}.echo`);
        const calledAt = Date.now();
        // A timeout shorter than the delay: counted from the call, it would fail the call.
        const answer = proxy.echo.with({ delayMs: 700, timeoutMs: 500 })('later');
        assert.equal((await scheduled).task, `${name}.echo`);
        const start = await started;
        assert.equal(await answer, 'later');
        const late = start.at - (calledAt + 700);
        assert.ok(late >= 0, `started ${-late} ms before its due time`);
        assert.ok(late < 1_000, `started ${late} ms after its due time`);
      }
    });

    test('an enqueued task with an ETA is scheduled (status says until when), then runs once', TEST_TIMEOUT, async () => {
      const at = new Date(Date.now() + 600);
      const scheduled = nextTaskEvent(stack.runtime, (event) => event.task === 'Maths.add' && event.outcome === 'scheduled');
      const id = await stack.client.proxy(MathJobs).add.with({ at }).enqueue(2, 2);
      assert.equal((await scheduled).taskId, id);
      const status = await stack.client.status(id, { timeoutMs: 200 });
      assert.equal(status.state, 'scheduled');
      assert.equal(status.nextAttemptAt, at.toISOString());
      const ran = await nextTaskEvent(stack.runtime, (event) => event.taskId === id && event.outcome !== 'scheduled');
      assert.equal(ran.outcome, 'succeeded');
      assert.ok(ran.at >= at.getTime(), 'not before its ETA');
    });

    test('a delay that is negative, not a number, more than a year ahead, or given twice is refused before anything is published', TEST_TIMEOUT, async () => {
      const maths = stack.client.proxy(MathJobs).add;
      const published: string[] = [];
      const listener = (event: { task: string }) => event.task === 'Maths.add' && published.push(event.task);
      stack.runtime.on('task', listener);
      try {
        for (const options of [{ delayMs: -1 }, { delayMs: Number.NaN }, { delayMs: Infinity }, { delayMs: 366 * 86_400_000 }, { at: new Date('nonsense') }, { delayMs: 10, at: Date.now() }]) {
          await assert.rejects(maths.with(options).enqueue(1, 1), InvalidCallOptionsError, JSON.stringify(options));
          await assert.rejects(maths.with(options)(1, 1), InvalidCallOptionsError, JSON.stringify(options));
        }
        // A call after them still runs: they published nothing the runtime could have seen first.
        assert.equal(await maths(1, 1), 2);
      } finally {
        stack.runtime.off('task', listener);
      }
      assert.deepEqual(published, ['Maths.add']);
    });

    test('a delayed call to a task no runtime serves fails at once with UnroutableTaskError, not at its due time', TEST_TIMEOUT, async () => {
      await assert.rejects(stack.client.proxy<{ nothing(): void }>('Nobody').nothing.with({ delayMs: 60_000 })(), UnroutableTaskError);
    });
  });

  describe('retries, dead letters and time limits', () => {
    test('a flaky task is retried after its exact backoff, growing, until it succeeds', TEST_TIMEOUT, async () => {
      const key = `flaky-${randomNamespace()}`;
      const events = collectTaskEvents(stack.runtime, 3, (event) => event.task === 'RetryJobs.flaky');
      assert.equal(await stack.client.proxy(RetryJobs).flaky(key, 2), 3);
      const [first, second, third] = await events;
      assert.deepEqual([first?.outcome, second?.outcome, third?.outcome], ['retried', 'retried', 'succeeded']);
      assert.deepEqual([first?.attempt, second?.attempt, third?.attempt], [1, 2, 3]);
      // initialDelayMs 100, factor 2, no jitter: 100 ms then 200 ms, served by the delay cascade,
      // which only ever holds a message longer: the gaps between runs are at least the delays.
      const [t1, t2, t3] = runLog.times.get(key) ?? [];
      const gaps = [(t2 ?? 0) - (t1 ?? 0), (t3 ?? 0) - (t2 ?? 0)];
      assert.ok(gaps[0]! >= 100 && gaps[1]! >= 200, `gaps between attempts ${gaps} ms`);
      assert.ok(gaps[0]! < 1_100 && gaps[1]! < 1_200, `each attempt within 1 s of its due time (gaps ${gaps} ms)`);
      assert.ok((second?.nextAttemptAt ?? 0) > (first?.nextAttemptAt ?? 0));
      assert.equal(runLog.starts.get(key), 3);
    });

    test('a task that always fails runs exactly maxAttempts times, then one dead-letter entry says why', TEST_TIMEOUT, async () => {
      const own = await stackOn(harness);
      const key = `always-${randomNamespace()}`;
      try {
        await assert.rejects(own.client.proxy(RetryJobs).alwaysFails(key), (error: Error) => {
          assert.ok(error instanceof RemoteTaskError);
          assert.equal(error.remoteMessage, 'always fails (attempt 3)');
          return true;
        });
        assert.equal(runLog.starts.get(key), 3);
        const [entry] = await harness.takeMessages(`${own.config.broker.namespace}.fx-retry.dead`, 1);
        assert.equal(entry?.headers[HEADERS.deadErrorName], 'Error');
        assert.equal(entry?.headers[HEADERS.deadReason], 'always fails (attempt 3)');
        assert.equal(entry?.headers[HEADERS.deadAttempts], 3);
        assert.match(String(entry?.headers[HEADERS.deadStack]), /retry-jobs\.ts/);
        const first = Date.parse(String(entry?.headers[HEADERS.firstFailureAt]));
        const last = Date.parse(String(entry?.headers[HEADERS.deadAt]));
        assert.ok(last - first >= 300, `first and last failure are the retry delays apart (${last - first} ms)`);
      } finally {
        await own.stop();
      }
    });

    test('NonRetryableError and a per-call maxAttempts of 1 skip the retries', TEST_TIMEOUT, async () => {
      const retry = stack.client.proxy(RetryJobs);
      const permanentKey = `permanent-${randomNamespace()}`;
      await assert.rejects(retry.permanent(permanentKey), (error: Error) => error instanceof RemoteTaskError && error.remoteName === 'NonRetryableError');
      assert.equal(runLog.starts.get(permanentKey), 1);
      const onceKey = `once-${randomNamespace()}`;
      await assert.rejects(retry.alwaysFails.with({ maxAttempts: 1 })(onceKey), RemoteTaskError);
      assert.equal(runLog.starts.get(onceKey), 1);
    });

    test('a CPU task is retried too, with the attempt visible in its worker', TEST_TIMEOUT, async () => {
      assert.equal(await stack.client.proxy(CpuRetryJobs).secondTimeLucky(), 2);
    });

    test('arguments that fail the schema are refused by the proxy, and dead-lettered by the runtime when published raw', TEST_TIMEOUT, async () => {
      const retry = stack.client.proxy(RetryJobs);
      assert.equal(await retry.signUp('ada@example.com', 2), 'ada@example.com x2');
      await assert.rejects(retry.signUp('not-an-email', 0), (error: Error) => {
        assert.ok(error instanceof InvalidArgumentsError);
        assert.match(error.message, /Invalid arguments for RetryJobs.signUp: 0: .*email.*; 1: /i);
        return true;
      });
      // A client that does not know the schema (a name-only proxy) publishes; the runtime refuses and says why.
      await assert.rejects(stack.client.proxy<RetryJobs>('RetryJobs').signUp('still-not-an-email', 1), (error: Error) => {
        assert.ok(error instanceof RemoteTaskError);
        assert.equal(error.remoteName, 'InvalidArgumentsError');
        return true;
      });
    });

    test("the soft time limit fires the task's AbortSignal on both pools", TEST_TIMEOUT, async () => {
      assert.equal(await stack.client.proxy(RetryJobs).cooperative(), 'SoftTimeLimitError');
      assert.equal(await stack.client.proxy(CpuRetryJobs).cooperative(), 'SoftTimeLimitError');
    });

    test('a message redelivered more than maxRedeliveries times is dead-lettered as poison, not run', TEST_TIMEOUT, async () => {
      const namespace = randomNamespace();
      await (await stackOn(harness, namespace)).stop(); // declare the queues, then nobody consumes
      const queue = `${namespace}.fx-io`;
      const request = encodeTaskRequest({ id: 'poison-1', task: 'IoJobs.hold', args: ['poison', 1], attempt: 1 }, 1024);
      const headers = { ...request.properties.headers, [HEADERS.redeliveries]: 5 }; // the fixture's limit is the default, 5
      await harness.publishAbandoned(queue, request.body, { ...request.properties, headers });

      const next = await stackOn(harness, namespace);
      try {
        const [entry] = await harness.takeMessages(`${queue}.dead`, 1);
        assert.equal(entry?.headers[HEADERS.deadErrorName], 'RedeliveryLimitError');
        assert.match(String(entry?.headers[HEADERS.deadReason]), /Delivered 6 times without being acknowledged/);
        assert.equal(runLog.starts.get('poison'), undefined, 'never run');
      } finally {
        await next.stop();
      }
    });

    test('a redelivered message below the limit runs, once, with its count carried on', TEST_TIMEOUT, async () => {
      const namespace = randomNamespace();
      await (await stackOn(harness, namespace)).stop();
      const key = `redelivered-${namespace}`;
      const request = encodeTaskRequest({ id: `r-${namespace}`, task: 'IoJobs.hold', args: [key, 1], attempt: 1 }, 1024);
      await harness.publishAbandoned(`${namespace}.fx-io`, request.body, request.properties);
      const ran = new Promise<void>((resolve) => runLog.on('started', (started) => started === key && resolve()));
      const next = await stackOn(harness, namespace);
      await ran;
      await next.stop(); // waits for the run in flight
      assert.equal(runLog.starts.get(key), 1);
    });
  });

  describe('tracing', () => {
    test("a task runs in its caller's trace, in the main thread and in CPU workers", TEST_TIMEOUT, async () => {
      const io = stack.client.proxy(IoJobs);
      const cpu = stack.client.proxy(CpuJobs);
      // Outside any trace, every call still gets one of its own, so its logs can be joined.
      const [a, b] = [parseTraceparent(await io.traceparent()), parseTraceparent(await io.traceparent())];
      assert.ok(a && b && a.traceId !== b.traceId);

      // Inside the caller's span (an OpenTelemetry context manager keeps it across awaits).
      otelContext.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
      try {
        const caller = { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: 1 };
        const inTrace = <T>(work: () => Promise<T>) => otelContext.with(trace.setSpanContext(otelContext.active(), caller), work);
        for (const seen of [await inTrace(() => io.traceparent()), await inTrace(() => cpu.traceparent())]) {
          assert.equal(seen, `00-${caller.traceId}-${caller.spanId}-01`);
        }
      } finally {
        otelContext.disable();
      }
    });
  });

  describe('task status and inspection', () => {
    test('status tells running, succeeded, failed and dead-lettered apart, and never calls an unknown task queued', TEST_TIMEOUT, async () => {
      const io = stack.client.proxy(IoJobs);
      const key = `status-${randomNamespace()}`;
      const started = new Promise<void>((resolve) => runLog.on('started', (k) => k === key && resolve()));
      const holding = await io.hold.enqueue(key, 400);
      await started;
      const running = await stack.client.status(holding, { timeoutMs: 200 });
      assert.equal(running.state, 'running');
      assert.equal(running.runtime, stack.runtime.id);
      assert.equal(running.task, 'IoJobs.hold');

      const done = nextTaskEvent(stack.runtime, (event) => event.taskId === holding);
      await done;
      assert.equal((await stack.client.status(holding, { timeoutMs: 200 })).state, 'succeeded');

      const failed = nextTaskEvent(stack.runtime, (event) => event.task === 'RetryJobs.gate');
      const gated = await stack.client.proxy(RetryJobs).gate.enqueue(`closed-${key}`);
      await failed;
      const failure = await stack.client.status(gated, { timeoutMs: 200 });
      assert.equal(failure.state, 'failed');
      assert.equal(failure.error?.name, 'NonRetryableError');

      assert.equal((await stack.client.status('no-such-task', { timeoutMs: 200 })).state, 'unknown');
    });

    test('a task published while no runtime serves its queue is queued, not unknown', TEST_TIMEOUT, async () => {
      const namespace = randomNamespace();
      const idle = await stackOn(harness, namespace);
      await idle.runtime.stop(); // the queues stay; nobody consumes
      try {
        const id = await idle.client.proxy(MathJobs).add.enqueue(1, 2);
        assert.deepEqual(await idle.client.status(id, { timeoutMs: 200 }), { taskId: id, task: 'Maths.add', state: 'queued' });
      } finally {
        await idle.client.close();
      }
    });

    test('inspect lists the live runtimes with their pools and queues', TEST_TIMEOUT, async () => {
      const runtimes = await stack.client.inspect({ timeoutMs: 300 });
      const mine = runtimes.find((snapshot) => snapshot.id === stack.runtime.id);
      assert.ok(mine, `this runtime answered (${runtimes.map((r) => r.id)})`);
      assert.equal(mine.ready, true);
      // io: the prefetch windows of fx-io (8) and fx-retry (16); cpu: its 2 threads
      assert.deepEqual(mine.pools.map((pool) => [pool.kind, pool.capacity]), [['io', 24], ['cpu', 2]]);
      assert.deepEqual(mine.queues.map((queue) => queue.queue).sort(), ['fx-cpu', 'fx-cpu-retry', 'fx-io', 'fx-retry']);
    });
  });

  describe('queue administration', () => {
    test('dead letters can be counted, read without removing them, replayed as fresh tasks, and purged', TEST_TIMEOUT, async () => {
      const own = await stackOn(harness);
      try {
        const retry = own.client.proxy(RetryJobs);
        const keys = [`gate-a-${randomNamespace()}`, `gate-b-${randomNamespace()}`, `gate-c-${randomNamespace()}`];
        for (const key of keys) await assert.rejects(retry.gate(key), RemoteTaskError);

        const [summary] = await own.runtime.admin.queues(['fx-retry']);
        assert.deepEqual({ ...summary }, { queue: 'fx-retry', brokerQueue: `${own.config.broker.namespace}.fx-retry`, messages: 0, consumers: 1, deadLetters: 3 });

        const { total, entries } = await own.runtime.admin.deadLetters('fx-retry', { limit: 10 });
        assert.equal(total, 3);
        assert.deepEqual(entries.map((entry) => entry.reason), [...keys].reverse().map((key) => `gate ${key} is closed`), 'newest first');
        assert.ok(entries.every((entry) => entry.task === 'RetryJobs.gate' && entry.errorName === 'NonRetryableError' && entry.attempts === 1));
        assert.equal((await own.runtime.admin.queues(['fx-retry']))[0]?.deadLetters, 3, 'reading took nothing away');

        for (const key of keys) runLog.released.add(key);
        const succeeded = collectTaskEvents(own.runtime, 2, (event) => event.task === 'RetryJobs.gate' && event.outcome === 'succeeded');
        const progress: number[] = [];
        assert.deepEqual(await own.runtime.admin.replay('fx-retry', { limit: 2, onProgress: (done) => progress.push(done.replayed) }), { replayed: 2, skipped: 0, skippedReasons: [], remaining: 1 });
        assert.deepEqual(progress, [1, 2]);
        await succeeded;
        assert.equal(keys.reduce((runs, key) => runs + (runLog.starts.get(key) ?? 0), 0), 5, 'three first runs, two replays');

        assert.equal(await own.runtime.admin.purge('fx-retry', 'dead'), 1);
        assert.equal((await own.runtime.admin.queues(['fx-retry']))[0]?.deadLetters, 0);
      } finally {
        await own.stop();
      }
    });
    test('dead letters page newest first; one is shown, deleted or replayed by id; a replay skips what it cannot route and goes on', TEST_TIMEOUT, async () => {
      const own = await stackOn(harness);
      const raw = await openTransport(harness.url, { connectionName: 'conformance raw publisher' });
      try {
        const admin = own.runtime.admin;
        const reasons = async () => (await admin.deadLetters('fx-retry', { limit: 100 })).entries.map((entry) => entry.reason ?? entry.task);
        const keys = Array.from({ length: 6 }, (_, i) => `dl-${i}-${randomNamespace()}`);
        for (const key of keys.slice(0, 3)) await assert.rejects(own.client.proxy(RetryJobs).gate(key), RemoteTaskError);
        // Given a dead letter of a task no queue serves, between the others.
        const junkId = `junk-${randomNamespace()}`;
        await raw.publish('', `${own.config.broker.namespace}.fx-retry.dead`, Buffer.from('{"args":[]}'), { messageId: junkId, headers: { [HEADERS.task]: 'Junk.replayme' } });
        for (const key of keys.slice(3)) await assert.rejects(own.client.proxy(RetryJobs).gate(key), RemoteTaskError);

        const closed = (i: number) => `gate ${keys[i]} is closed`;
        assert.deepEqual(await reasons(), [closed(5), closed(4), closed(3), 'Junk.replayme', closed(2), closed(1), closed(0)], 'newest first');
        const page = await admin.deadLetters('fx-retry', { offset: 2, limit: 3 });
        assert.deepEqual([page.total, page.offset, page.entries.map((entry) => entry.reason ?? entry.task)], [7, 2, [closed(3), 'Junk.replayme', closed(2)]]);
        assert.deepEqual((await admin.deadLetters('fx-retry', { offset: 7 })).entries, [], 'past the end: an empty page');

        const idOf = async (i: number) => (await admin.deadLetters('fx-retry', { limit: 100 })).entries.find((entry) => entry.reason === closed(i))?.taskId ?? assert.fail(`no dead letter for ${i}`);
        const oldest = await idOf(0);
        assert.equal((await admin.deadLetter('fx-retry', oldest))?.reason, closed(0));
        assert.equal(await admin.deadLetter('fx-retry', 'no-such-id'), undefined);

        // When one is deleted by id, the others stay, in their order.
        assert.equal(await admin.deleteDeadLetter('fx-retry', await idOf(1)), true);
        assert.equal(await admin.deleteDeadLetter('fx-retry', 'no-such-id'), false);
        assert.deepEqual(await reasons(), [closed(5), closed(4), closed(3), 'Junk.replayme', closed(2), closed(0)]);

        for (const key of keys) runLog.released.add(key);
        const replayedOne = collectTaskEvents(own.runtime, 1, (event) => event.taskId === oldest && event.outcome === 'succeeded');
        assert.deepEqual(await admin.replay('fx-retry', { filter: { taskId: oldest } }), { replayed: 1, skipped: 0, skippedReasons: [], remaining: 5 });
        await replayedOne;

        // A filter that matches none leaves all; a replay of all skips the junk and replays the rest behind it.
        assert.equal((await admin.replay('fx-retry', { filter: { reason: 'nothing like this' } })).replayed, 0);
        const rest = collectTaskEvents(own.runtime, 4, (event) => event.task === 'RetryJobs.gate' && event.outcome === 'succeeded');
        const skippedJunk = { reason: "no queue is bound to task 'Junk.replayme' any more", count: 1, taskIds: [junkId] };
        assert.deepEqual(await admin.replay('fx-retry'), { replayed: 4, skipped: 1, skippedReasons: [skippedJunk], remaining: 1 });
        await rest;
        assert.deepEqual(await admin.replay('fx-retry'), { replayed: 0, skipped: 1, skippedReasons: [skippedJunk], remaining: 1 });
        assert.deepEqual(await reasons(), ['Junk.replayme'], 'the junk is still there');
      } finally {
        await raw.close();
        await own.stop();
      }
    });
  });

  describe('graceful shutdown', () => {
    test('tasks in flight finish, the rest wait for the next runtime: none lost, none run twice', TEST_TIMEOUT, async () => {
      const namespace = randomNamespace();
      const first = await stackOn(harness, namespace);
      const keys = Array.from({ length: 20 }, (_, i) => `${namespace}-${i}`);
      let second: FixtureStack | undefined;
      try {
        const io = first.client.proxy(IoJobs);
        const started = waitForStarts(8); // the queue's concurrency: 8 in flight
        const ids = await Promise.all(keys.map((key) => io.hold.enqueue(key, 300)));
        assert.equal(ids.length, keys.length);
        await started;
        const completedByFirst = collectSucceeded(first.runtime);
        await first.runtime.stop();
        const firstRan = completedByFirst();
        assert.equal(firstRan.size, 8, 'the first runtime finished exactly what it had started');

        second = await stackOn(harness, namespace);
        const rest = collectTaskEvents(second.runtime, keys.length - firstRan.size);
        const secondEvents = await rest;
        assert.ok(secondEvents.every((event) => event.outcome === 'succeeded'));
        const allIds = new Set([...firstRan, ...secondEvents.map((event) => event.taskId)]);
        assert.deepEqual([...allIds].sort(), [...ids].sort(), 'every task completed');
        for (const key of keys) assert.equal(runLog.starts.get(key), 1, `${key} ran once`);
      } finally {
        await first.client.close();
        await second?.stop();
      }
    });
  });
}

function waitForStarts(count: number): Promise<void> {
  return new Promise((resolve) => {
    let seen = 0;
    const listener = () => {
      if (++seen === count) {
        runLog.off('started', listener);
        resolve();
      }
    };
    runLog.on('started', listener);
  });
}

function collectSucceeded(runtime: Runtime): () => Set<string> {
  const ids = new Set<string>();
  const listener = (event: { taskId: string; outcome: string }) => {
    if (event.outcome === 'succeeded') ids.add(event.taskId);
  };
  runtime.on('task', listener);
  return () => {
    runtime.off('task', listener);
    return ids;
  };
}
