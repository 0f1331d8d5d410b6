import assert from 'node:assert/strict';
import { test } from 'node:test';
import { workerExecArgv } from '../../src/pools/worker-exec-argv';

test('a CPU worker inherits the main thread\'s Node options, less the TypeScript loaders', () => {
  assert.deepEqual(workerExecArgv(['-r', '@swc-node/register', '--enable-source-maps']), ['--enable-source-maps']);
  assert.deepEqual(workerExecArgv(['--require', '@swc-node/register', '-r', 'dotenv/config']), ['-r', 'dotenv/config']);
  assert.deepEqual(workerExecArgv(['--require=@swc-node/register', '--max-old-space-size=512']), ['--max-old-space-size=512']);
  assert.deepEqual(workerExecArgv(['-r', 'warren/register', '--require=warren/register', '--conditions=dev']), ['--conditions=dev']);
});
