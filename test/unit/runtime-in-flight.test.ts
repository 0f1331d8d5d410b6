import 'reflect-metadata';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { connect, Runtime, type WarrenClient } from '../../src';
import type { InFlightTask } from '../../src/runtime/runtime-snapshot';
import { CpuJobs, IoJobs } from '../fixtures/jobs/fixture-jobs';
import { runLog } from '../fixtures/jobs/run-log';
import { captureLogger, fixtureConfig } from '../support/fixture-runtime';

async function until<T>(what: string, value: () => T | undefined, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = value();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`never happened: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test('the snapshot (what warren inspect and /api/snapshot show) lists the tasks in flight: task, id, queue, when each arrived and started, and on which thread', { timeout: 60_000 }, async () => {
  const namespace = `inflight-${randomBytes(3).toString('hex')}`;
  const url = `memory://${namespace}`;
  const config = fixtureConfig(url, namespace);
  const logger = captureLogger('warn').logger;
  const runtime = await Runtime.start({ config, logger });
  let client: WarrenClient | undefined;
  const key = `${namespace}-held`;
  try {
    client = await connect({ url, config, logger });
    assert.deepEqual(runtime.snapshot().inFlight, [], 'nothing in flight yet');
    const io = client.proxy(IoJobs);
    const cpu = client.proxy(CpuJobs);
    const ioStarted = new Promise<void>((resolve) => runLog.on('started', (started) => started === key && resolve()));
    const held = io.holdUntilReleased(key);
    const spun = cpu.progressAndSpin('spinning', 2_000);
    await ioStarted;

    const ioTask = runtime.snapshot().inFlight.find((task) => task.task === 'IoJobs.holdUntilReleased') as InFlightTask;
    assert.equal(ioTask?.queue, 'fx-io');
    assert.equal(ioTask.pool, 'io');
    assert.equal(ioTask.threadId, 0, 'an I/O task runs on the main thread');
    assert.equal(ioTask.attempt, 1);
    assert.ok(ioTask.startedAt && Date.parse(ioTask.startedAt) >= Date.parse(ioTask.receivedAt), `${ioTask.receivedAt} -> ${ioTask.startedAt}`);
    // A CPU task is listed from its arrival; its thread once the thread has started it.
    const cpuTask = await until('the CPU task on its thread', () => runtime.snapshot().inFlight.find((task) => task.task === 'CpuJobs.progressAndSpin' && task.threadId !== undefined));
    assert.equal(cpuTask.pool, 'cpu');
    assert.ok((cpuTask.threadId ?? 0) > 0, `thread ${cpuTask.threadId}`);
    assert.match(cpuTask.taskId, /^[0-9a-f-]{36}$/);

    assert.equal(await spun, cpuTask.threadId, 'the thread listed is the one that ran it');
    runLog.release(key);
    assert.equal(await held, key);
    await until('nothing in flight', () => (runtime.snapshot().inFlight.length === 0 ? true : undefined));
  } finally {
    runLog.release(key);
    await client?.close();
    await runtime.stop();
  }
});
