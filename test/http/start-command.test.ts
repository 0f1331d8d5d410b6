import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import path from 'node:path';
import { describe, test } from 'node:test';
import { request } from './http-fixture';

const root = path.join(__dirname, '..', '..');
const warren = path.join(root, 'bin', 'warren.js');
const config = path.join('test', 'http', 'http.config.ts');

function start(env: NodeJS.ProcessEnv = {}) {
  // `warren dev` without a script: the runtime on the embedded broker, served like `warren start`.
  const child = spawn(process.execPath, [warren, 'dev', '--config', config], { cwd: root, env: { ...process.env, WARREN_BROKER_URL: '', WARREN_LOG_LEVEL: 'info', ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
  // Piped, with JSON logs on stdout, the banner and the dashboard's address go to stderr.
  const dashboard = new Promise<string>((resolve) =>
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk;
      const url = /^dashboard {2}(http:\/\/\S+)/m.exec(stderr)?.[1];
      if (url) resolve(url);
    }),
  );
  const closed = once(child, 'close') as Promise<[number | null]>;
  return { child, dashboard, closed, output: () => ({ stdout, stderr }) };
}

describe('a served runtime with an http section', () => {
  test('given http in the config, when started, then the server answers beside the runtime and closes after it on SIGTERM', { timeout: 30_000 }, async () => {
    const run = start();
    const url = await run.dashboard;
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    assert.equal((await request(url, '/healthz')).status, 200);
    assert.equal((await request(url, '/readyz')).status, 200);
    assert.equal((await request(url, '/')).status, 200);

    run.child.kill('SIGTERM');
    const [code] = await run.closed;
    assert.equal(code, 0, run.output().stderr);
    assert.match(run.output().stdout, /runtime stopped/);
    await assert.rejects(request(url, '/healthz'), /ECONNREFUSED/, 'the port was closed');
  });

  test('given http bound beyond loopback without a token, when started, then it stops before the runtime starts, naming the fix', { timeout: 30_000 }, async () => {
    const run = start({ WARREN_TEST_HTTP_HOST: '0.0.0.0' });
    const [code] = await run.closed;
    assert.equal(code, 2, 'a config mistake');
    const { stdout, stderr } = run.output();
    assert.match(stderr + stdout, /http\.host '0\.0\.0\.0' is reachable beyond this machine: set http\.token/);
    assert.doesNotMatch(stdout, /runtime started/);
  });

  test('given an http.port another process listens on, when started, then it stops before the runtime starts, naming the port', { timeout: 30_000 }, async () => {
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const { port } = holder.address() as net.AddressInfo;
    try {
      const run = start({ WARREN_TEST_HTTP_PORT: String(port) });
      const [code] = await run.closed;
      assert.equal(code, 2, 'a config mistake');
      const { stdout, stderr } = run.output();
      assert.match(stderr, new RegExp(`^warren: http\\.port ${port} on 127\\.0\\.0\\.1 is already in use: stop what listens there, or set another http\\.port`, 'm'));
      assert.doesNotMatch(stderr, /unexpected failure|\n\s+at /, 'a message, not a stack');
      assert.doesNotMatch(stdout, /runtime started/);
    } finally {
      holder.close();
    }
  });
});
