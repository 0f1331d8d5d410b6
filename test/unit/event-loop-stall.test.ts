import 'reflect-metadata';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { test } from 'node:test';
import { connect, resolveConfig, Runtime } from '../../src';
import { EventLoopStallMonitor, type EventLoopStall } from '../../src/runtime/event-loop-stall-monitor';
import { describeStall, type IoStall } from '../../src/runtime/io-stall-reporter';
import { captureLogger } from '../support/fixture-runtime';
import { StallIo } from './fixtures/stall-jobs';

const THRESHOLD_MS = 150;
const BLOCK_MS = 600;

async function stack(stallThresholdMs: number) {
  const url = `memory://stall-${randomBytes(4).toString('hex')}`;
  const config = resolveConfig({ jobs: 'fixtures/stall-jobs.ts', broker: { url }, pools: { io: { stallThresholdMs } }, logLevel: 'warn' }, { source: 'test', rootDir: __dirname }, {});
  const capture = captureLogger('warn');
  const runtime = await Runtime.start({ config, logger: capture.logger });
  const client = await connect({ url, config, logger: capture.logger });
  return { runtime, client, capture, stop: async () => (await client.close(), await runtime.stop()) };
}

test('given an I/O task that blocks the event loop past the threshold, the stall is logged as a warning naming it, with every other I/O task then in flight', { timeout: 30_000 }, async () => {
  const { runtime, client, capture, stop } = await stack(THRESHOLD_MS);
  try {
    const io = client.proxy(StallIo);
    const stalled = once(runtime, 'eventLoopStall') as Promise<[IoStall]>;
    const waitStarted = once(runtime, 'started');
    const waiting = io.wait(BLOCK_MS * 2);
    await waitStarted;
    const blockId = await io.block.enqueue(BLOCK_MS);
    const [stall] = await stalled;
    await waiting;
    const line = await capture.waitFor(/event loop blocked/);
    const logged = JSON.parse(line) as { msg: string; stalledMs: number; thresholdMs: number; tasks: Array<{ task: string; taskId: string }> };
    assert.ok(stall.stalledMs >= BLOCK_MS - 2 * THRESHOLD_MS, `stalled ${stall.stalledMs} ms for a ${BLOCK_MS} ms block`);
    assert.equal(logged.thresholdMs, THRESHOLD_MS);
    assert.ok(logged.tasks.some((task) => task.task === 'StallIo.block' && task.taskId === blockId), line);
    assert.match(logged.msg, /I\/O tasks running then: .*StallIo\.block \(task [0-9a-f-]{36}\)/);
    assert.match(logged.msg, /I\/O tasks must not block the main thread: move CPU-bound work to a pool: 'cpu' task/);
    assert.ok(logged.tasks.some((task) => task.task === 'StallIo.wait'), 'a task in flight during the stall is named too: which one blocked cannot be told');
    assert.equal(runtime.eventLoopStalls, 1);
  } finally {
    await stop();
  }
});

test('given stallThresholdMs 0, nothing watches the loop: a block is not reported', { timeout: 30_000 }, async () => {
  const { runtime, client, capture, stop } = await stack(0);
  try {
    await client.proxy(StallIo).block(BLOCK_MS);
    await client.proxy(StallIo).wait(THRESHOLD_MS);
    assert.equal(runtime.eventLoopStalls, 0);
    assert.equal(capture.lines.filter((line) => line.includes('event loop blocked')).length, 0);
  } finally {
    await stop();
  }
});

test('the warning says when the stall outlasted the heartbeat, and when no I/O task was running', () => {
  const stall: IoStall = { stalledMs: 8_000, thresholdMs: 1_000, runs: [], moreRuns: 0 };
  assert.match(describeStall(stall, 1), /longer than the 1 s heartbeat: the broker may close the connection, and the deliveries in flight then run again/);
  assert.match(describeStall(stall, 1), /No I\/O task was running: the block was in other code on the main thread/);
  assert.doesNotMatch(describeStall(stall, 30), /than the 30 s heartbeat/);
  const many: IoStall = { ...stall, runs: [1, 2, 3].map((n) => ({ task: 'A.run', taskId: `t${n}`, attempt: 1, startedAt: 0, endedAt: undefined })), moreRuns: 4 };
  assert.match(describeStall(many, 30), /I\/O tasks running then: A\.run \(3 runs\) and 4 more runs/);
});

test('given an idle loop, the monitor ticks once per threshold, and a block past the threshold is still reported with its length', { timeout: 30_000 }, async () => {
  const thresholdMs = 200;
  const blockMs = 400;
  let ticks = 0;
  let blocked = false;
  let idleTicks = 0;
  const keepAlive = setTimeout(() => {}, 20_000); // the monitor's timer is unref'd
  const stall = await new Promise<EventLoopStall>((resolve) => {
    const monitor = new EventLoopStallMonitor({
      thresholdMs,
      onTick: (seen) => {
        ticks++;
        if (seen) {
          monitor.stop();
          resolve(seen);
        } else if (!blocked) {
          // Once a window is timed as idle, block inside it, not at its start.
          setImmediate(() => {
            if (blocked || monitor.windowMs !== monitor.idleIntervalMs) return;
            blocked = true;
            idleTicks = ticks;
            setTimeout(() => {
              const until = Date.now() + blockMs;
              while (Date.now() < until);
            }, 20);
          });
        }
      },
    });
    assert.equal(monitor.idleIntervalMs, thresholdMs);
    monitor.start();
  });
  clearTimeout(keepAlive);
  assert.ok(stall.stalledMs >= blockMs - 10, `stalled ${stall.stalledMs} ms for a ${blockMs} ms block`);
  assert.ok(stall.endedAfter <= stall.noticedAt);
  assert.equal(ticks, idleTicks + 1, 'the stall is noticed by the first tick after the block');
});
