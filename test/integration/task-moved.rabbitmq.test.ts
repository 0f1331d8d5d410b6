import 'reflect-metadata';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connect, resolveConfig, Runtime } from '../../src';
import { captureLogger, randomNamespace } from '../support/fixture-runtime';
import { requireRabbitNode } from '../support/requirements';
import type { MoverV2 } from './fixtures/move-v2-jobs';

const node = requireRabbitNode();

const configFor = (version: 'v1' | 'v2', namespace: string) =>
  resolveConfig(
    { jobs: `fixtures/move-${version}-jobs.ts`, broker: { url: node.url, namespace }, requeueDelayMs: 100, logLevel: 'warn' },
    { source: 'test', rootDir: __dirname },
    {},
  );

/** The queues the tasks exchange sends `task` to, as the broker has them. */
async function boundQueues(namespace: string, task: string): Promise<string[]> {
  const rows = JSON.parse(await node.ctl(['list_bindings', 'source_name', 'destination_name', 'routing_key', '--formatter', 'json'])) as Array<{
    source_name: string;
    destination_name: string;
    routing_key: string;
  }>;
  return rows
    .filter((row) => row.source_name === `${namespace}.tasks` && row.routing_key === task)
    .map((row) => row.destination_name)
    .sort();
}

interface Outcome {
  readonly taskId: string;
  readonly queue: string;
  readonly outcome: string;
}

/** What a runtime did with each task, from its log: its events begin before `Runtime.start` resolves. */
const outcomes = (lines: readonly string[]): Outcome[] =>
  lines.map((line) => JSON.parse(line) as Partial<Outcome>).filter((row): row is Outcome => typeof row.taskId === 'string' && typeof row.outcome === 'string');

const ranTimes = (rows: readonly Outcome[], ids: readonly string[]) => ids.map((id) => rows.filter((row) => row.taskId === id && row.outcome === 'succeeded').length);

test(
  'given a task moved to a queue of its own, then the new runtime removes its old binding as it starts (and again when an old runtime puts it back), forwards what that binding brought, and each later call runs once',
  { skip: node.skip, timeout: 90_000 },
  async () => {
    const namespace = randomNamespace();
    const task = 'Mover.run';
    // The old version declares Mover on `deploy`, and leaves with its binding in place.
    const v1First = await Runtime.start({ config: configFor('v1', namespace), logger: captureLogger('warn').logger });
    await v1First.stop();
    const client = await connect({ url: node.url, config: configFor('v2', namespace), logger: captureLogger('warn').logger });
    const mover = client.proxy<MoverV2>('Mover');
    const backlog = await Promise.all(Array.from({ length: 10 }, (_, n) => mover.run.enqueue(n)));

    const v2Log = captureLogger('info');
    const v1Log = captureLogger('info');
    const ran = (id: string) => v2Log.waitFor(new RegExp(`"taskId":"${id}".*"outcome":"succeeded"`));
    let v1: Runtime | undefined;
    let v2b: Runtime | undefined;
    const v2 = await Runtime.start({ config: configFor('v2', namespace), logger: v2Log.logger });
    try {
      // The backlog sat on `deploy`, where v2 does not serve Mover: forwarded to `moved`, each run once.
      await Promise.all(backlog.map(ran));
      const v2Rows = outcomes(v2Log.lines);
      assert.deepEqual(ranTimes(v2Rows, backlog), Array(10).fill(1));
      assert.ok(v2Rows.every((row) => row.outcome === 'succeeded' && row.queue === 'moved'), 'run on its new queue, none dead-lettered');
      await v2Log.waitFor(/removed the binding of Mover\.run/);
      assert.deepEqual(await boundQueues(namespace, task), [`${namespace}.moved`]);

      // An old runtime (re)starting in the middle of the deploy binds it to `deploy` again.
      v1 = await Runtime.start({ config: configFor('v1', namespace), logger: v1Log.logger });
      assert.deepEqual(await boundQueues(namespace, task), [`${namespace}.deploy`, `${namespace}.moved`]);
      const overlap = await Promise.all(Array.from({ length: 40 }, (_, n) => mover.run.with({ timeoutMs: 20_000 })(n)));
      assert.deepEqual(overlap, Array.from({ length: 40 }, (_, n) => `ran ${n}`));
      await v2Log.waitFor(/removed the binding of Mover\.run/, 2);
      assert.deepEqual(await boundQueues(namespace, task), [`${namespace}.moved`]);

      // From then on the task reaches only its new queue: each call runs once, none on the old runtime.
      const after = await Promise.all(Array.from({ length: 20 }, (_, n) => mover.run.enqueue(100 + n)));
      await Promise.all(after.map(ran));
      const all = [...outcomes(v1Log.lines), ...outcomes(v2Log.lines)];
      assert.deepEqual(ranTimes(all, after), Array(20).fill(1));
      assert.equal(outcomes(v1Log.lines).filter((row) => after.includes(row.taskId)).length, 0, 'the old runtime ran none of them');
      assert.equal(all.filter((row) => row.outcome !== 'succeeded').length, 0, 'nothing dead-lettered or retried');

      // The usual order of a rolling deploy: the old version is up, with its binding, and a new one starts.
      await v2.stop();
      await v1.stop();
      v1 = await Runtime.start({ config: configFor('v1', namespace), logger: v1Log.logger });
      assert.deepEqual(await boundQueues(namespace, task), [`${namespace}.deploy`, `${namespace}.moved`]);
      const v2bLog = captureLogger('info');
      v2b = await Runtime.start({ config: configFor('v2', namespace), logger: v2bLog.logger });
      assert.deepEqual(await boundQueues(namespace, task), [`${namespace}.moved`], 'removed as the new runtime started, before any call');
      const rolled = await Promise.all(Array.from({ length: 20 }, (_, n) => mover.run.enqueue(200 + n)));
      await Promise.all(rolled.map((id) => v2bLog.waitFor(new RegExp(`"taskId":"${id}".*"outcome":"succeeded"`))));
      assert.deepEqual(ranTimes([...outcomes(v1Log.lines), ...outcomes(v2bLog.lines)], rolled), Array(20).fill(1), 'each ran once, on the new runtime');
    } finally {
      await client.close();
      await v2.stop();
      await v2b?.stop();
      await v1?.stop();
    }
  },
);
