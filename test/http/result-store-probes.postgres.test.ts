import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { RESULT_STORE_DEFAULTS } from '../../src/results/open-result-store';
import { IoJobs } from '../fixtures/jobs/fixture-jobs';
import { startPostgres, type PostgresNode } from '../support/postgres-node';
import { requirePostgres } from '../support/requirements';
import { request, startHttpStack, type HttpStack } from './http-fixture';

const postgres = requirePostgres();

// A server of its own: this file stops it, which must not disturb the other files on the runner's.
describe('a result store that goes away, as /readyz and /metrics tell it', { skip: postgres.skip }, () => {
  let node: PostgresNode;
  let stack: HttpStack;

  before(async () => {
    node = await startPostgres();
    stack = await startHttpStack({}, { results: { ...RESULT_STORE_DEFAULTS, url: node.url } });
  });
  after(async () => {
    await stack?.stop();
    await node?.stop();
  });

  test('with PostgreSQL stopped, a task finishing fails its write: /readyz answers 503 naming the paused queues, the gauge drops to 0, and both recover', { timeout: 90_000 }, async () => {
    const echo = stack.client.proxy(IoJobs).echo;
    assert.equal(await echo('stored'), 'stored');
    assert.match((await request(stack.http.url, '/metrics')).body, /^warren_result_store_up\{kind="postgres"\} 1$/m);

    await node.halt();
    // Its outcome cannot be written, so it waits, held, until the store is back.
    const held = echo('while the store is away');
    let ready;
    for (;;) {
      ready = await request(stack.http.url, '/readyz');
      if (ready.status === 503) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const body = ready.json<{ state: string; pausedQueues: string[] }>();
    assert.equal(body.state, 'result store unreachable');
    assert.ok(body.pausedQueues.some((queue) => queue.endsWith('.fx-io')), JSON.stringify(body));
    assert.match((await request(stack.http.url, '/metrics')).body, /^warren_result_store_up\{kind="postgres"\} 0$/m);

    await node.start();
    assert.equal(await held, 'while the store is away', 'the held task answers once its row is written');
    for (;;) {
      ready = await request(stack.http.url, '/readyz');
      if (ready.status === 200) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.match((await request(stack.http.url, '/metrics')).body, /^warren_result_store_up\{kind="postgres"\} 1$/m);
  });
});
