import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { QueueDepthCache, type QueueSummary } from '../../src';

const summary: QueueSummary = { queue: 'q', brokerQueue: 'warren.q', messages: 3, consumers: 1, deadLetters: 0 };

describe('QueueDepthCache', () => {
  // Its timeout timer does not hold the process open (a stopping runtime must not wait for it): these tests do.
  let keepAlive: NodeJS.Timeout | undefined;
  before(() => void (keepAlive = setInterval(() => {}, 1_000)));
  after(() => clearInterval(keepAlive));

  test('given many scrapes at once, when they ask, then the broker is asked once and all get its answer', async () => {
    let asked = 0;
    const cache = new QueueDepthCache(async () => {
      asked++;
      return [summary];
    });
    const answers = await Promise.all(Array.from({ length: 20 }, () => cache.get()));
    assert.equal(asked, 1);
    assert.ok(answers.every((answer) => answer[0]?.messages === 3));
    await cache.get();
    assert.equal(asked, 1, 'still fresh');
  });

  test('given an answer, when invalidated or past its time to live, then the broker is asked again', async () => {
    let asked = 0;
    const fetch = async () => [{ ...summary, messages: ++asked }];
    const cache = new QueueDepthCache(fetch);
    assert.equal((await cache.get())[0]?.messages, 1);
    cache.invalidate();
    assert.equal((await cache.get())[0]?.messages, 2);
    const uncached = new QueueDepthCache(fetch, { ttlMs: 0 });
    await uncached.get();
    await uncached.get();
    assert.equal(asked, 4);
  });

  test('given a broker that fails, when asked twice, then the failure is cached too', async () => {
    let asked = 0;
    const cache = new QueueDepthCache(async () => {
      asked++;
      throw new Error('broker down');
    });
    await assert.rejects(cache.get(), /broker down/);
    await assert.rejects(cache.get(), /broker down/);
    assert.equal(asked, 1);
  });

  test('given an answer and then a broker that never answers, when known depths are asked for, then the last answer comes at once with its age and the failure', async () => {
    let answering = true;
    const cache = new QueueDepthCache(() => (answering ? Promise.resolve([summary]) : new Promise<never>(() => {})), { ttlMs: 0, timeoutMs: 50 });
    assert.deepEqual((await cache.known()).summaries, [summary]);
    answering = false;
    const during = await cache.known(); // does not wait out the 50 ms timeout
    assert.deepEqual(during.summaries, [summary]);
    assert.ok(during.ageMs !== undefined && during.ageMs < 50, `the answer's age: ${during.ageMs} ms`);
    await assert.rejects(cache.get(), /did not report queue depths within 50 ms/);
    const after = await cache.known();
    assert.deepEqual(after.summaries, [summary], 'still the last answer');
    assert.match(after.error?.message ?? '', /did not report queue depths/);
  });

  test('given no answer ever, when known depths are asked for, then they wait for the first one and say when it failed', async () => {
    const cache = new QueueDepthCache(async () => {
      throw new Error('broker down');
    });
    const known = await cache.known();
    assert.deepEqual([known.summaries, known.ageMs, known.error?.message], [[], undefined, 'broker down']);
  });

  test('given a broker that never answers, when asked, then the question times out', async () => {
    const cache = new QueueDepthCache(() => new Promise<never>(() => {}), { timeoutMs: 20 });
    await assert.rejects(cache.get(), /did not report queue depths within 20 ms/);
  });
});
