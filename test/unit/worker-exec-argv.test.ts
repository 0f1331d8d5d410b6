import assert from 'node:assert/strict';
import { test } from 'node:test';
import { probeWorkerExecArgv, workerExecArgv, workerNodeOptions } from '../../src/pools/worker-exec-argv';

test('a CPU worker inherits the main thread\'s Node options, less the TypeScript loaders', () => {
  assert.deepEqual(workerExecArgv(['-r', '@swc-node/register', '--enable-source-maps']), ['--enable-source-maps']);
  assert.deepEqual(workerExecArgv(['--require', '@swc-node/register', '-r', 'dotenv/config']), ['-r', 'dotenv/config']);
  assert.deepEqual(workerExecArgv(['--require=@swc-node/register', '--max-old-space-size=512']), ['--max-old-space-size=512']);
  assert.deepEqual(workerExecArgv(['-r', 'warren/register', '--require=warren/register', '--conditions=dev']), ['--conditions=dev']);
});

test('process-wide flags, which a worker thread refuses and has anyway, are left out of its execArgv', () => {
  const options = workerNodeOptions(['-r', '@swc-node/register', '--max-old-space-size=1024', '--expose-gc', '--enable-source-maps']);
  assert.deepEqual(options.execArgv, ['--enable-source-maps']);
  assert.deepEqual(options.processWide, ['--max-old-space-size=1024', '--expose-gc']);
  assert.equal(options.heapLimitFlag, '--max-old-space-size=1024');
});

test('flags a worker takes are all kept, and no worker is probed without flags', () => {
  assert.deepEqual(workerNodeOptions(['--conditions=dev', '--no-warnings']), { execArgv: ['--conditions=dev', '--no-warnings'], processWide: [], heapLimitFlag: undefined });
  let probed = false;
  workerNodeOptions(['-r', 'warren/register'], () => {
    probed = true;
    return [];
  });
  assert.equal(probed, false);
});

test('the probe names the refused flags the way Node does', () => {
  assert.deepEqual(probeWorkerExecArgv(['--stack-size=2000', '--trace-warnings', '--title=x']), ['--stack-size=2000', '--title=x']);
  assert.deepEqual(probeWorkerExecArgv(['--trace-warnings']), []);
});
