import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { IoJobs } from '../fixtures/jobs/fixture-jobs';
import { runLog } from '../fixtures/jobs/run-log';
import { randomNamespace } from '../support/fixture-runtime';
import { request, startHttpStack } from './http-fixture';

const TIMEOUT = { timeout: 30_000 };

describe('health and readiness probes', () => {
  test('given a running runtime, when probed, then /healthz and /readyz answer 200', TIMEOUT, async () => {
    const stack = await startHttpStack();
    try {
      const health = await request(stack.http.url, '/healthz');
      assert.equal(health.status, 200);
      assert.deepEqual(health.json(), { status: 'ok' });
      const ready = await request(stack.http.url, '/readyz');
      assert.equal(ready.status, 200);
      assert.deepEqual(ready.json(), { ready: true, state: 'running' });
    } finally {
      await stack.stop();
    }
  });

  test('given a task in flight, when the runtime begins to stop, then /readyz answers 503 while it drains and /healthz stays 200', TIMEOUT, async () => {
    const stack = await startHttpStack();
    try {
      const key = `drain-${randomNamespace()}`;
      const started = new Promise<void>((resolve) => runLog.on('started', (k) => k === key && resolve()));
      const held = stack.client.proxy(IoJobs).hold(key, 1_000);
      await started;

      const stopping = stack.runtime.stop();
      const draining = await request(stack.http.url, '/readyz');
      assert.equal(draining.status, 503);
      assert.deepEqual(draining.json(), { ready: false, state: 'stopping' });
      assert.equal((await request(stack.http.url, '/healthz')).status, 200, 'alive while draining');

      assert.equal(await held, key, 'the task in flight finished');
      await stopping;
      const stopped = await request(stack.http.url, '/readyz');
      assert.equal(stopped.status, 503);
      assert.deepEqual(stopped.json(), { ready: false, state: 'stopped' });
      assert.equal((await request(stack.http.url, '/healthz')).status, 200, 'health never depends on the broker');
    } finally {
      await stack.stop();
    }
  });

  test('given an unknown path or a wrong method, when requested, then 404 and 405 say so', TIMEOUT, async () => {
    const stack = await startHttpStack();
    try {
      assert.equal((await request(stack.http.url, '/nope')).status, 404);
      const wrong = await request(stack.http.url, '/healthz', { method: 'POST' });
      assert.equal(wrong.status, 405);
      assert.equal(wrong.headers.allow, 'GET');
    } finally {
      await stack.stop();
    }
  });
});
