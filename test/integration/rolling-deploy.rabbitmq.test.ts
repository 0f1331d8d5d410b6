import 'reflect-metadata';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connect, RemoteTaskError, resolveConfig, Runtime, type TaskEvent } from '../../src';
import { captureLogger, randomNamespace } from '../support/fixture-runtime';
import { requireBroker } from '../support/requirements';
import type { DeployV2 } from './fixtures/deploy-v2-jobs';

const node = requireBroker();

const configFor = (version: 'v1' | 'v2', namespace: string, unknownTaskGraceMs: number) =>
  resolveConfig(
    { jobs: `fixtures/deploy-${version}-jobs.ts`, broker: { url: node!.url, namespace }, requeueDelayMs: 100, unknownTaskGraceMs, logLevel: 'warn' },
    { source: 'test', rootDir: __dirname },
    {},
  );

test(
  'given an old and a new runtime on one queue (a rolling deploy), then a task only the new one defines is handed back by the old one and always runs, and once the new one is gone it is dead-lettered after the grace, saying why',
  { skip: node.skip, timeout: 90_000 },
  async () => {
    const namespace = randomNamespace();
    const oldLog = captureLogger('warn');
    const oldRuntime = await Runtime.start({ config: configFor('v1', namespace, 1_500), logger: oldLog.logger });
    const newRuntime = await Runtime.start({ config: configFor('v2', namespace, 60_000), logger: captureLogger('warn').logger });
    const client = await connect({ url: node!.url, config: configFor('v2', namespace, 0), logger: captureLogger('warn').logger });
    const oldEvents: TaskEvent[] = [];
    oldRuntime.on('task', (event) => oldEvents.push(event));
    try {
      const deploy = client.proxy<DeployV2>('Deploy');
      // Both consume the queue, so about half of these reach the old runtime first.
      const results = await Promise.all(Array.from({ length: 40 }, (_, n) => deploy.added.with({ timeoutMs: 30_000 })(n)));
      assert.deepEqual(results, Array.from({ length: 40 }, (_, n) => `v2 added ${n}`));
      assert.equal(oldEvents.filter((event) => event.outcome === 'rejected').length, 0, 'the old runtime dead-lettered none');
      assert.match(await oldLog.waitFor(/Deploy\.added is not defined here; handing it back/), /rolling deploy/);

      // The new runtime leaves; its binding stays, so the task still reaches the old one.
      await newRuntime.stop();
      const started = Date.now();
      await assert.rejects(deploy.added.with({ timeoutMs: 30_000 })(99), (error: unknown) => {
        assert.ok(error instanceof RemoteTaskError);
        assert.equal(error.remoteName, 'UnknownTaskError');
        assert.match(error.remoteMessage, new RegExp(`${namespace}\\.deploy is bound to it, but no runtime serving the queue defines it; handed back \\d+ time\\(s\\)`));
        return true;
      });
      assert.ok(Date.now() - started >= 1_500, 'not before the grace');
      assert.equal(await deploy.old(), 'v1');
    } finally {
      await client.close();
      await newRuntime.stop();
      await oldRuntime.stop();
    }
  },
);
