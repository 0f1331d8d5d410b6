import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { RESULT_STORE_DEFAULTS } from '../../src/results/open-result-store';
import { randomNamespace, startFixtureStack, type FixtureStack } from '../support/fixture-runtime';
import { requireBroker, requirePostgres } from '../support/requirements';
import { runWarren } from './run-warren';

const broker = requireBroker();
const postgres = requirePostgres();

describe('warren result and status with a PostgreSQL result store', { skip: broker.skip || postgres.skip }, () => {
  let stack: FixtureStack;
  const run = (env: Record<string, string>, ...args: string[]) => runWarren({ WARREN_BROKER_URL: broker.url, WARREN_NAMESPACE: stack.config.broker.namespace, ...env }, ...args);
  const withStore = { WARREN_RESULTS_URL: '' };

  before(async () => {
    stack = await startFixtureStack(broker.url, randomNamespace(), { results: { ...RESULT_STORE_DEFAULTS, url: postgres.url } });
    withStore.WARREN_RESULTS_URL = postgres.url;
  });
  after(async () => {
    await stack?.stop();
  });

  test('an id from call --enqueue: result prints its result, status reads it from the store', { timeout: 60_000 }, async () => {
    const enqueued = await run(withStore, 'call', 'Maths.add', '[20, 22]', '--enqueue');
    assert.equal(enqueued.code, 0, enqueued.stderr);
    const id = enqueued.stdout.trim();
    const result = await run(withStore, 'result', id, '--timeout', '30s');
    assert.equal(result.code, 0, result.stderr);
    assert.equal(JSON.parse(result.stdout), 42);
    const status = await run(withStore, 'status', id, '--json');
    assert.equal(status.code, 0, status.stderr);
    const { state, source, result: stored } = JSON.parse(status.stdout) as { state: string; source: string; result: unknown };
    assert.deepEqual({ state, source, stored }, { state: 'succeeded', source: 'store', stored: 42 });
  });

  test('a failed task exits 1 with its error; an unfinished or unknown one exits 3; no store configured exits 2', { timeout: 60_000 }, async () => {
    const id = (await run(withStore, 'call', 'IoJobs.fail', '["kept"]', '--enqueue')).stdout.trim();
    const failed = await run(withStore, 'result', id, '--timeout', '30s');
    assert.equal(failed.code, 1);
    assert.match(failed.stderr, /IoJobs\.fail \(.+\) failed with FixtureError: kept/);

    const unknown = await run(withStore, 'result', 'no-such-task');
    assert.equal(unknown.code, 3);
    assert.match(unknown.stderr, /no-such-task had no result after 0 ms \(last known state: unknown\)/);

    const none = await run({}, 'result', id);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /warren result needs a result store: set results\.url/);
  });
});
