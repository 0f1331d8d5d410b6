import 'reflect-metadata';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import pino from 'pino';
import { CpuPool } from '../../src/pools/cpu-pool';
import { findJobFiles, loadJobModules } from '../../src/registry/load-job-modules';
import { TaskRegistry } from '../../src/registry/task-registry';

/** Resolves when `file` has `lines` lines; rejects after `ms` with what it had. */
function linesIn(file: string, lines: number, ms: number): Promise<void> {
  const count = (): number => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).length : 0);
  return new Promise((resolve, reject) => {
    const watcher = fs.watch(path.dirname(file), () => {
      if (count() >= lines) done();
    });
    const timeout = setTimeout(() => done(new Error(`${count()} of ${lines} timer ticks in ${ms} ms while the thread was idle`)), ms);
    const done = (error?: Error): void => {
      watcher.close();
      clearTimeout(timeout);
      if (error) reject(error);
      else resolve();
    };
    if (count() >= lines) done();
  });
}

test('timers a CPU task leaves run while its thread waits for the next task (a flush, a heartbeat)', { timeout: 30_000 }, async () => {
  const registry = TaskRegistry.fromModules(loadJobModules(await findJobFiles(['pool-fault-jobs.ts'], path.join(__dirname, 'fixtures'))));
  const definition = registry.get('LeakyCpu.tickInto');
  assert.ok(definition);
  const pool = new CpuPool({ threads: 1, configFile: undefined, maxOldGenerationSizeMb: undefined, niceness: 0, schedIdle: false, logger: pino({ level: 'silent' }) });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warren-timers-'));
  try {
    const file = path.join(dir, 'ticks');
    const result = await pool.run({ taskId: 'ticks', attempt: 1, definition, args: [file, 5], traceparent: undefined, queue: 'test' });
    assert.equal(result.outcome.ok, true, JSON.stringify(result.outcome));
    // No task runs now: with piscina's default (the thread blocked in Atomics.wait) none would tick.
    await linesIn(file, 5, 10_000);
  } finally {
    await pool.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
