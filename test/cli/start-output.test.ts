import 'reflect-metadata';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { describe, test } from 'node:test';
import { connect } from '../../src';
import { CpuJobs, IoJobs, MathJobs } from '../fixtures/jobs/fixture-jobs';
import { requireBroker } from '../support/requirements';

const root = path.join(__dirname, '..', '..');
const broker = requireBroker();

interface Served {
  stdout: string;
  stderr: string;
  code: number | null;
}

/** `warren start` with stdout piped, as a log collector sees it: serves six runs in both pools and a failure, then stops. */
async function serveSomeTasks(env: NodeJS.ProcessEnv): Promise<Served> {
  const namespace = `out-${randomBytes(4).toString('hex')}`;
  const child = spawn(process.execPath, [path.join(root, 'bin', 'warren.js'), 'start', '--config', 'test/fixtures/fixture.config.ts'], {
    cwd: root,
    env: { ...process.env, WARREN_BROKER_URL: broker.url, WARREN_NAMESPACE: namespace, WARREN_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk;
      if (/runtime started/.test(stdout)) resolve();
    });
    void closed.then((code) => reject(new Error(`exited ${code} before it started\n${stdout}\n${stderr}`)));
  });
  const client = await connect({ url: broker.url, namespace });
  try {
    await Promise.all([...Array.from({ length: 4 }, (_, i) => client.proxy(MathJobs).add(i, 1)), ...Array.from({ length: 2 }, () => client.proxy(CpuJobs).spin(1))]);
    await assert.rejects(client.proxy(IoJobs).fail.with({ maxAttempts: 1 })('on purpose'), /on purpose/);
  } finally {
    await client.close();
  }
  child.kill('SIGTERM');
  return { stdout, stderr, code: await closed };
}

describe('what warren start writes to its stdout', { skip: broker.skip }, () => {
  test('piped, stdout is JSON lines only, one per task run, and the banner goes to stderr', { timeout: 60_000 }, async () => {
    const served = await serveSomeTasks({ WARREN_LOG_FORMAT: '' });
    assert.equal(served.code, 0, served.stderr);
    const lines = served.stdout.trimEnd().split('\n');
    for (const line of lines) assert.doesNotThrow(() => JSON.parse(line), `not a JSON line: ${line}`);
    const runs = lines.map((line) => JSON.parse(line) as { taskId?: string; outcome?: string; queue?: string; durationMs?: number }).filter((log) => log.outcome);
    assert.deepEqual(runs.map((run) => run.outcome).sort(), ['failed', ...Array<string>(6).fill('succeeded')], 'one line per task run');
    assert.equal(new Set(runs.map((run) => run.taskId)).size, 7);
    for (const run of runs) assert.ok(run.queue && typeof run.durationMs === 'number');
    assert.match(served.stderr, /\[tasks\][\s\S]*Maths\.add/, 'the banner, on stderr');
    assert.doesNotMatch(served.stdout, /\[tasks\]/);
  });

  test('pretty (forced with WARREN_LOG_FORMAT=pretty), each task run is one line naming task, outcome, duration, queue and id', { timeout: 60_000 }, async () => {
    const served = await serveSomeTasks({ WARREN_LOG_FORMAT: 'pretty' });
    assert.equal(served.code, 0, served.stderr);
    const lines = served.stdout.split('\n');
    const uuid = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;
    const runs = lines.flatMap((line, at) => (/ succeeded in | failed: /.test(line) && uuid.test(line) ? [at] : []));
    assert.equal(runs.length, 7, `seven task-run lines in\n${served.stdout}`);
    assert.equal(new Set(runs.map((at) => uuid.exec(lines[at] as string)?.[0])).size, 7, 'each run on its own line');
    for (const at of runs) {
      assert.match(lines[at] as string, /(Maths\.add|CpuJobs\.spin) succeeded in [\d.]+ ms {2}\(fx-(io\/io|cpu\/cpu thread \d+), |IoJobs\.fail failed: FixtureError: on purpose {2}\(fx-io\/io, /);
      assert.doesNotMatch(lines[at + 1] ?? '', /^\s+\S+: /, `no field lines below ${lines[at]}`);
    }
    assert.match(served.stdout, /\[tasks\]/, 'a person at a terminal still gets the banner on stdout');
  });

  test('Node flags on warren start (V8 flags, which worker threads refuse) reach the CPU threads, and the start succeeds', { timeout: 60_000 }, async () => {
    const namespace = `flags-${randomBytes(4).toString('hex')}`;
    const child = spawn(process.execPath, ['--max-old-space-size=700', '--expose-gc', path.join(root, 'bin', 'warren.js'), 'start', '--config', 'test/fixtures/fixture.config.ts'], {
      cwd: root,
      env: { ...process.env, WARREN_BROKER_URL: broker.url, WARREN_NAMESPACE: namespace, WARREN_LOG_LEVEL: 'info', WARREN_LOG_FORMAT: 'json' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stderr.on('data', (chunk: Buffer) => (output += chunk));
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk;
        if (/runtime started/.test(output)) resolve();
      });
      void closed.then((code) => reject(new Error(`exited ${code} before it started\n${output}`)));
    });
    const client = await connect({ url: broker.url, namespace });
    try {
      const settings = await client.proxy(CpuJobs).threadSettings();
      assert.ok(settings.heapLimitMb >= 700 && settings.heapLimitMb < 800, `heap limit ${settings.heapLimitMb} MB in the thread`);
      assert.equal(settings.exposesGc, true, 'V8 flags are process-wide: the thread has gc() without being passed --expose-gc');
    } finally {
      await client.close();
      child.kill('SIGTERM');
    }
    assert.equal(await closed, 0, output);
    assert.doesNotMatch(output, /invalid execArgv/);
  });

  test('an unknown WARREN_LOG_FORMAT is refused, naming the choices', { timeout: 30_000 }, async () => {
    const child = spawn(process.execPath, [path.join(root, 'bin', 'warren.js'), 'start', '--config', 'test/fixtures/fixture.config.ts'], {
      cwd: root,
      env: { ...process.env, WARREN_BROKER_URL: broker.url, WARREN_LOG_FORMAT: 'fancy' },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 20_000, // a runtime that took the value would serve on: end it, and the test fails
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    const code = await new Promise((resolve) => child.on('close', resolve));
    assert.equal(code, 2);
    assert.match(stderr, /Invalid WARREN_LOG_FORMAT 'fancy': use pretty or json/);
  });
});
