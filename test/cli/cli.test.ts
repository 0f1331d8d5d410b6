import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { describe, test } from 'node:test';

const root = path.join(__dirname, '..', '..');
const warren = path.join(root, 'bin', 'warren.js');
const fixtureConfig = path.join('test', 'fixtures', 'fixture.config.ts');

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Finished> {
  const child = spawn(process.execPath, [warren, ...args], { cwd: root, env: { ...process.env, WARREN_BROKER_URL: '', ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

describe('warren CLI', () => {
  test('--help answers with the commands and the environment variables', { timeout: 30_000 }, async () => {
    const { code, stdout } = await run(['--help']);
    assert.equal(code, 0);
    for (const word of ['start', 'tasks', 'WARREN_BROKER_URL', 'WARREN_LOG_LEVEL']) assert.match(stdout, new RegExp(word));
    const start = await run(['start', '--help']);
    assert.equal(start.code, 0);
    assert.match(start.stdout, /--config <file>/);
    assert.match(start.stdout, /--grace <ms>/);
    for (const command of [['call'], ['status'], ['inspect'], ['queues'], ['purge'], ['dlq', 'replay']]) {
      const help = await run([...command, '--help']);
      assert.equal(help.code, 0, `${command.join(' ')} --help`);
      assert.match(help.stdout, /Usage: warren /);
    }
    const unknown = await run(['frobnicate']);
    assert.equal(unknown.code, 2, 'wrong usage exits 2');
    assert.match(unknown.stderr, /unknown command 'frobnicate'/);
  });

  test('tasks lists every task with its queue and pool, without a broker', { timeout: 30_000 }, async () => {
    const table = await run(['tasks', '--config', fixtureConfig]);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /\[tasks\]/);
    assert.match(table.stdout, /CpuJobs\.hang\s+fx-cpu \(cpu\)\s+hard limit 3000 ms/);

    const json = await run(['tasks', '--config', fixtureConfig, '--json']);
    assert.equal(json.code, 0, json.stderr);
    const listed = JSON.parse(json.stdout) as { tasks: Array<{ name: string; queue: string; pool: string }>; queues: Array<{ queue: string; prefetch: number }> };
    const add = listed.tasks.find((t) => t.name === 'Maths.add');
    assert.deepEqual([add?.queue, add?.pool], ['fx-io', 'io']);
    // The two CPU queues take the threads alone: twice that would let a delivery wait into the consumer timeout.
    assert.deepEqual(listed.queues.map((q) => [q.queue, q.prefetch]).sort(), [['warren.fx-cpu', 2], ['warren.fx-cpu-retry', 2], ['warren.fx-io', 8], ['warren.fx-retry', 16]]);
  });

  test('an invalid config exits 2 (wrong usage) naming every bad field', { timeout: 30_000 }, async () => {
    const { code, stderr } = await run(['tasks', '--config', path.join('test', 'fixtures', 'invalid.config.ts')]);
    assert.equal(code, 2);
    assert.match(stderr, /pools\.cpu\.threads/);
    assert.match(stderr, /logLevel/);
  });

  test('start without a broker URL refuses at once, naming WARREN_BROKER_URL and warren dev', { timeout: 30_000 }, async () => {
    const { code, stdout, stderr } = await run(['start', '--config', fixtureConfig]);
    assert.equal(code, 2, 'wrong usage');
    assert.match(stderr, /WARREN_BROKER_URL/);
    assert.match(stderr, /warren dev app\.ts/);
    assert.doesNotMatch(stdout, /runtime started/);
  });

  test('dev runs a script beside the runtime on the embedded broker, awaits its main(), then exits with its outcome', { timeout: 30_000 }, async () => {
    const ok = await run(['dev', '--config', fixtureConfig, path.join('test', 'fixtures', 'dev-app.ts'), 'from-argv'], { WARREN_LOG_LEVEL: 'warn' });
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /^add=5 echo=from-argv$/m, 'the script called both pools and saw its own arguments');
    const failed = await run(['dev', '--config', fixtureConfig, path.join('test', 'fixtures', 'dev-app.ts'), 'fail'], { WARREN_LOG_LEVEL: 'warn' });
    assert.equal(failed.code, 1, 'a main() that throws exits 1');
    assert.match(failed.stderr, /Error: asked to fail/);
  });

  test('run executes a TypeScript script with decorator metadata, and a client with no runtime in the process gets a clear UnroutableTaskError', { timeout: 30_000 }, async () => {
    const { code, stdout, stderr } = await run(['run', path.join('test', 'fixtures', 'dev-app.ts'), 'no-runtime']);
    assert.equal(code, 0, stderr);
    assert.match(stdout, /^paramtypes=Clock$/m, 'design:paramtypes emitted by the loader');
    assert.match(stdout, /^UnroutableTaskError: .*no runtime.*warren dev/im);
  });

  test('dev without a script serves until SIGTERM, then shuts down gracefully and exits 0', { timeout: 30_000 }, async () => {
    const child = spawn(process.execPath, [warren, 'dev', '--config', fixtureConfig], { cwd: root, env: { ...process.env, WARREN_BROKER_URL: '', WARREN_LOG_LEVEL: 'info' } });
    let stdout = '';
    let stderr = '';
    const bannerShown = new Promise<void>((resolve) => {
      const check = () => stderr.includes('[tasks]') && stdout.includes('runtime started') && resolve();
      child.stdout.on('data', (chunk: Buffer) => ((stdout += chunk), check()));
      child.stderr.on('data', (chunk: Buffer) => ((stderr += chunk), check()));
    });
    await bannerShown;
    assert.match(stderr, /memory:\/\/ \(embedded in-memory broker\)/, 'the banner, on stderr beside JSON logs');
    child.kill('SIGTERM');
    const [code] = (await once(child, 'close')) as [number | null];
    assert.equal(code, 0);
    assert.match(stdout, /runtime stopped/);
  });
});
