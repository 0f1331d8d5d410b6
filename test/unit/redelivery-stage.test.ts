import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RedeliveryLimitError } from '../../src';
import { HEADERS } from '../../src/protocol/headers';
import type { Republisher } from '../../src/runtime/republisher';
import { redeliveryStage } from '../../src/runtime/stages/redelivery-stage';
import type { Admitted, StageActions } from '../../src/runtime/stages/stage';
import type { PublishOutcome } from '../../src/transport/transport';

/** A redelivered message of a task on queue `q`, with these headers; what the stage did with it. */
async function admit(headers: Record<string, unknown>, brokerCounts: boolean): Promise<{ passed: boolean; rejected?: unknown; copiedWith?: number }> {
  const seen: { rejected?: unknown; copiedWith?: number } = {};
  const republisher = {
    requeueCounted: (_delivery: unknown, _task: string, redeliveries: number) => {
      seen.copiedWith = redeliveries;
      return Promise.resolve('routed' as PublishOutcome);
    },
  } as unknown as Republisher;
  const act: StageActions<Admitted> = {
    reject: async (_admitted, error) => void (seen.rejected = error),
    replaceWith: async (_admitted, copy) => void (await copy),
    drop: async () => {},
  };
  const admitted = {
    delivery: { redelivered: true, properties: { headers } },
    request: { task: 'T.run' },
    definition: { queue: 'q' },
    args: [],
  } as unknown as Admitted;
  const stage = redeliveryStage(republisher, { maxRedeliveries: 2, requeueDelayMs: 100, brokerCounts: (queue) => brokerCounts && queue === 'q' });
  const passed = await stage.admit(admitted, act);
  return { passed, ...seen };
}

test("on a quorum queue a redelivery within the limit runs as it is, counted by the broker's x-delivery-count", async () => {
  assert.deepEqual(await admit({ 'x-delivery-count': 2 }, true), { passed: true });
});

test('on a quorum queue a redelivery past maxRedeliveries is dead-lettered as poison, by the count the broker gave', async () => {
  const { passed, rejected, copiedWith } = await admit({ 'x-delivery-count': 3 }, true);
  assert.equal(passed, false);
  assert.equal(copiedWith, undefined, 'no counted copy');
  assert.ok(rejected instanceof RedeliveryLimitError);
  assert.match(rejected.message, /^Delivered 3 times without being acknowledged \(limit 2\)/);
});

test('a quorum queue on a broker that does not count (no x-delivery-count) is counted by copies, as a classic one', async () => {
  assert.deepEqual(await admit({}, true), { passed: false, copiedWith: 1 });
});

test('on a classic queue a stale x-delivery-count is ignored: its own count goes on a copy', async () => {
  assert.deepEqual(await admit({ 'x-delivery-count': 1, [HEADERS.redeliveries]: 1 }, false), { passed: false, copiedWith: 2 });
});
