import 'reflect-metadata';
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { JobModuleLoadError, RegistryError, Task } from '../../src';
import { findJobFiles, loadJobModules } from '../../src/registry/load-job-modules';
import { TaskRegistry } from '../../src/registry/task-registry';

const fixtures = path.join(__dirname, '..', 'fixtures', 'registry');
const scan = async (...patterns: string[]) => TaskRegistry.fromModules(loadJobModules(await findJobFiles(patterns, fixtures)));

describe('scanning job files', () => {
  test('given a file with job classes and other exports, every public method of each @Task class becomes a task', async () => {
    const registry = await scan('good-jobs.ts');

    assert.deepEqual(registry.tasks().map((t) => t.name).sort(), ['Exports.csv', 'Render.frame', 'Reports.daily', 'Reports.weekly']);
    const daily = registry.get('Reports.daily');
    assert.equal(daily?.queue, 'reports');
    assert.equal(daily?.pool, 'io');
    assert.equal(daily?.exportName, 'Reports'); // first export wins; the default re-export is not a second class
    assert.equal(daily?.modulePath, path.join(fixtures, 'good-jobs.ts'));
    assert.equal(registry.get('Render.frame')?.hardTimeLimitMs, 500);
  });

  test('given two classes on one queue, the queue serves both, dispatched by task name', async () => {
    const registry = await scan('good-jobs.ts');
    const reports = registry.queues().find((q) => q.name === 'reports');
    assert.deepEqual([...(reports?.tasks ?? [])].sort(), ['Exports.csv', 'Reports.daily', 'Reports.weekly']);
    assert.equal(registry.queues().find((q) => q.name === 'render')?.concurrency, 1);
  });

  test('given two files defining the same task name, scanning fails naming both files', async () => {
    await assert.rejects(scan('duplicate-*.ts'), (error: Error) => {
      assert.ok(error instanceof RegistryError);
      assert.match(error.message, /Duplicate task name 'Mailer.send'/);
      assert.match(error.message, /duplicate-a\.ts/);
      assert.match(error.message, /duplicate-b\.ts/);
      return true;
    });
  });

  test('given a module that throws on import, scanning fails with the file named', async () => {
    await assert.rejects(scan('throws-on-import.ts'), (error: Error) => {
      assert.ok(error instanceof JobModuleLoadError);
      assert.equal(error.file, path.join(fixtures, 'throws-on-import.ts'));
      assert.match(error.message, /throws-on-import\.ts threw while loading: Error: database URL missing/);
      return true;
    });
  });

  test('given one queue claimed by two pools, scanning fails', async () => {
    await assert.rejects(scan('mixed-pool.ts'), /Queue 'shared' is bound to pool '(io|cpu)'.*but to pool '(cpu|io)'.*A queue is served by one pool/s);
  });

  test('given globs that match nothing, scanning says so', async () => {
    await assert.rejects(scan('nothing-here/*.ts'), /No job files match 'nothing-here\/\*\.ts'/);
  });
});

describe('@Task options', () => {
  test('are checked where they are written', () => {
    assert.throws(() => Task({ queue: 'q', pool: 'gpu' as 'cpu' }), /pool must be one of cpu, io/);
    assert.throws(() => Task({ queue: '', pool: 'io' }), /queue must be a non-empty name/);
    assert.throws(() => Task({ queue: 'q', pool: 'io', concurrency: 0 }), /concurrency must be a positive integer/);
    assert.throws(() => Task({ queue: 'q', pool: 'io', retries: 3 } as never), /unknown option 'retries'/);
  });
});
