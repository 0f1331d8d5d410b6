import assert from 'node:assert/strict';
import { test } from 'node:test';
import { workerExecArgv, workerTypeScript } from '../../src/pools/worker-typescript';

test("a worker that compiles with SWC alone does not inherit the full loader's -r", () => {
  assert.deepEqual(workerExecArgv(['-r', '@swc-node/register', '--enable-source-maps']), ['--enable-source-maps']);
  assert.deepEqual(workerExecArgv(['--require', '@swc-node/register', '-r', 'dotenv/config']), ['-r', 'dotenv/config']);
  assert.deepEqual(workerExecArgv(['--require=@swc-node/register', '--max-old-space-size=512']), ['--max-old-space-size=512']);
});

test("workers get SWC options from the project's tsconfig, for plain .ts files only", () => {
  // This test runs under @swc-node/register, as `npm test` starts it.
  const options = workerTypeScript(['/app/runtime.config.ts', '/app/jobs/images.ts'])?.swcOptions;
  assert.equal(options?.experimentalDecorators, true);
  assert.equal(options?.emitDecoratorMetadata, true);
  assert.equal(options?.module, 'commonjs');
  assert.equal(workerTypeScript(['/app/jobs/view.tsx']), undefined);
});
