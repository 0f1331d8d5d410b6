import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { requireBroker, requirePostgres } from '../support/requirements';
import { Watched, cleanEnv, createProject, packWarren, run, runOk } from './user-project';

const broker = requireBroker();
const postgres = requirePostgres();

/** An I/O job for the result store: what it returns is kept in PostgreSQL. */
const LEDGER_JOBS = `import { Task, currentTask } from 'warren';

@Task({ queue: 'ledger', pool: 'io' })
export class Ledger {
  async double(n: number): Promise<number> {
    currentTask().progress({ n });
    return n * 2;
  }
}
`;

/** Enqueues 1,000 tasks, writes their ids, and exits: nobody waits for them here. */
const ENQUEUE_APP = `import fs from 'node:fs';
import { connect } from 'warren';
import { Ledger } from './jobs/ledger';

async function main(): Promise<void> {
  const client = await connect();
  const ids: string[] = [];
  for (let n = 0; n < 1000; n++) ids.push(await client.proxy(Ledger).double.enqueue(n));
  fs.writeFileSync('ids.json', JSON.stringify(ids));
  await client.close();
}
void main();
`;

/** Another process: collects every result by id from the store. */
const COLLECT_APP = `import fs from 'node:fs';
import { connect } from 'warren';

async function main(): Promise<void> {
  const ids = JSON.parse(fs.readFileSync('ids.json', 'utf8')) as string[];
  const client = await connect();
  const results = await Promise.all(ids.map((id) => client.result<number>(id, { timeoutMs: 60_000 })));
  await client.close();
  process.stdout.write(JSON.stringify({ count: results.length, doubled: results.every((value, n) => value === n * 2) }) + '\\n');
}
void main();
`;

/** The SDK version the repository tests with, installed into the user's project too. */
const SDK_VERSION = (JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { devDependencies: Record<string, string> }).devDependencies['@opentelemetry/sdk-trace-node'] as string;

/** A job in both pools whose constructor takes a class, so only decorator metadata can inject it. */
const CANARY_JOBS = `import 'reflect-metadata';
import { threadId } from 'node:worker_threads';
import { Schedule, Task, injectable } from 'warren';

@injectable()
export class Pepper {
  readonly taste = 'pepper';
}

export interface Probe {
  threadId: number;
  paramTypes: string[];
  taste: string;
}

function paramTypes(target: object): string[] {
  return ((Reflect.getMetadata('design:paramtypes', target) ?? []) as Array<{ name: string }>).map((type) => type.name);
}

@Task({ queue: 'canary-cpu', pool: 'cpu' })
export class CpuCanary {
  constructor(private readonly pepper: Pepper) {}

  probe(): Probe {
    return { threadId, paramTypes: paramTypes(CpuCanary), taste: this.pepper.taste };
  }
}

@Task({ queue: 'canary-io', pool: 'io' })
export class IoCanary {
  constructor(private readonly pepper: Pepper) {}

  async probe(): Promise<Probe> {
    return { threadId, paramTypes: paramTypes(IoCanary), taste: this.pepper.taste };
  }

  @Schedule({ everyMs: 1_000 }, { name: 'canary-tick' })
  async tick(): Promise<string> {
    return this.pepper.taste;
  }
}
`;

/** Run with plain node and warren/register; importing a job class before warren itself. */
const CANARY_APP = `import { CpuCanary, IoCanary } from './jobs/canary';
import { UnroutableTaskError, connect } from 'warren';

async function probe(): Promise<void> {
  const client = await connect();
  const [cpu, io] = await Promise.all([client.proxy(CpuCanary).probe(), client.proxy(IoCanary).probe()]);
  // A namespace no runtime declared: a clear error, and the same client goes on working.
  const lonely = await connect({ namespace: \`nobody-\${process.pid}\` });
  const unroutable = await lonely.proxy(IoCanary).probe().then(
    () => 'answered',
    (error: Error) => (error instanceof UnroutableTaskError ? 'UnroutableTaskError' : \`\${error.name}: \${error.message}\`),
  );
  await lonely.close();
  const again = await client.proxy(IoCanary).probe();
  // A countdown through the installed runtime's delay cascade: answered, and not before its time.
  const calledAt = Date.now();
  const delayed = await client.proxy(CpuCanary).probe.with({ delayMs: 300 })();
  const delayedAfterMs = Date.now() - calledAt;
  await client.close();
  process.stdout.write(\`\${JSON.stringify({ cpu, io, unroutable, again: again.taste, delayed: delayed.taste, delayedAfterMs })}\\n\`);
}

probe().catch((error: unknown) => {
  process.stderr.write(\`\${String((error as Error)?.stack ?? error)}\\n\`);
  process.exitCode = 1;
});
`;

/**
 * The docs' SDK recipe (docs/operations.md, "Tracing"), with a file for an exporter: each span as
 * a JSON line, from whichever process and thread ended it. Loaded with node --require, so it runs
 * in the main thread and, through the inherited Node options, in each CPU worker thread.
 */
const OTEL_SETUP = `'use strict';
const fs = require('node:fs');
const { threadId } = require('node:worker_threads');
const { NodeTracerProvider, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-node');

const toFile = {
  export(spans, done) {
    for (const span of spans) {
      const line = { name: span.name, kind: span.kind, traceId: span.spanContext().traceId, spanId: span.spanContext().spanId, parentSpanId: span.parentSpanContext?.spanId, attributes: span.attributes, pid: process.pid, threadId };
      fs.appendFileSync(process.env.SPANS_FILE, JSON.stringify(line) + '\\n');
    }
    done({ code: 0 });
  },
  shutdown: async () => {},
};
new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(toFile)] }).register();
`;

/** An app whose own span holds a call to each pool. */
const TRACED_APP = `import { trace } from '@opentelemetry/api';
import { CpuCanary, IoCanary } from './jobs/canary';
import { connect } from 'warren';

void trace.getTracer('shop').startActiveSpan('checkout', async (span) => {
  const client = await connect();
  await Promise.all([client.proxy(CpuCanary).probe(), client.proxy(IoCanary).probe()]);
  span.end();
  await client.close();
  process.stdout.write(\`\${span.spanContext().traceId}\\n\`);
});
`;

/** One span as OTEL_SETUP writes it. */
interface SpanLine {
  name: string;
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  attributes: Record<string, unknown>;
  pid: number;
  threadId: number;
}

describe('Warren installed from its tarball into a project outside the repository', { skip: broker.skip }, () => {
  let project = '';
  let scratch = '';
  const namespace = `pkg-${randomBytes(4).toString('hex')}`;
  const env = () => cleanEnv({ WARREN_BROKER_URL: broker.url, WARREN_NAMESPACE: namespace, WARREN_LOG_LEVEL: 'info' });
  const warren = () => path.join(project, 'node_modules', '.bin', 'warren');

  before(async () => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'warren-pack-'));
    project = await createProject(await packWarren(scratch));
    // As a user adds tracing: the SDK's releases take @opentelemetry/api <1.10.0.
    await runOk('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', `@opentelemetry/sdk-trace-node@${SDK_VERSION}`], { cwd: project, timeoutMs: 300_000 });
  });

  after(() => {
    for (const dir of [project, scratch]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the package ships compiled JavaScript and declarations, and the project holds one tsyringe and one reflect-metadata', () => {
    const installed = path.join(project, 'node_modules', 'warren');
    for (const file of ['dist/index.js', 'dist/index.d.ts', 'dist/cli/main.js', 'dist/register.js', 'dist/pools/cpu-worker-entry.js', 'dist/http/dashboard.html', 'LICENSE']) {
      assert.ok(fs.existsSync(path.join(installed, file)), `${file} is shipped`);
    }
    for (const absent of ['src', 'test', 'bench', '.ci', 'jobs']) assert.ok(!fs.existsSync(path.join(installed, absent)), `${absent}/ is not shipped`);
    for (const single of ['tsyringe', 'reflect-metadata']) {
      assert.ok(fs.existsSync(path.join(project, 'node_modules', single)), `${single} is installed at the top, as a peer dependency`);
      assert.ok(!fs.existsSync(path.join(installed, 'node_modules', single)), `no second ${single} nested under warren`);
    }
    // One @opentelemetry/api, the SDK's: a copy nested under warren would not see the SDK.
    assert.ok(fs.existsSync(path.join(project, 'node_modules', '@opentelemetry', 'sdk-trace-node')), 'the SDK installed beside warren');
    assert.ok(fs.existsSync(path.join(project, 'node_modules', '@opentelemetry', 'api')), '@opentelemetry/api installed at the top');
    assert.ok(!fs.existsSync(path.join(installed, 'node_modules', '@opentelemetry', 'api')), 'no second @opentelemetry/api nested under warren');
  });

  test('warren init writes a starter, and the project type-checks under strict flags against Warren\'s declarations', { timeout: 120_000 }, async () => {
    await runOk(warren(), ['init'], { cwd: project });
    fs.writeFileSync(path.join(project, 'jobs', 'canary.ts'), CANARY_JOBS);
    fs.writeFileSync(path.join(project, 'canary.ts'), CANARY_APP);
    const tsconfig = fs.readFileSync(path.join(project, 'tsconfig.json'), 'utf8');
    for (const flag of ['"strict": true', '"exactOptionalPropertyTypes": true', '"experimentalDecorators": true', '"emitDecoratorMetadata": true']) assert.ok(tsconfig.includes(flag), flag);
    assert.doesNotMatch(tsconfig, /skipLibCheck/, "Warren's .d.ts are checked too");
    const check = await run(path.join(project, 'node_modules', '.bin', 'tsc'), ['--noEmit', '-p', '.'], { cwd: project });
    assert.equal(check.code, 0, check.stdout + check.stderr);
  });

  test('on the embedded broker, npm run dev runs both pools and the app in one process', { timeout: 60_000 }, async () => {
    const dev = await run('npm', ['run', '--silent', 'dev'], { cwd: project, env: cleanEnv({ WARREN_LOG_LEVEL: 'warn' }) });
    assert.equal(dev.code, 0, dev.stdout + dev.stderr);
    assert.match(dev.stdout, /^Hashes\.sha256 \(cpu pool\): [0-9a-f]{16}\.\.\. after 10000 rounds$/m);
    assert.match(dev.stdout, /^Greetings\.greet \(io pool\): Hello, world! It is \d{4}-/m);
  });

  test('with dev packages pruned, warren start serves RabbitMQ; warren run and node -r warren/register call both pools through typed proxies', { timeout: 120_000 }, async () => {
    await runOk('npm', ['prune', '--omit=dev', '--no-audit', '--no-fund'], { cwd: project });
    assert.ok(!fs.existsSync(path.join(project, 'node_modules', 'typescript')), 'no TypeScript compiler at run time');

    const refused = await run(warren(), ['start'], { cwd: project, env: cleanEnv({ WARREN_BROKER_URL: '' }) });
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /WARREN_BROKER_URL.*warren dev/s);

    const runtime = new Watched(spawn(warren(), ['start'], { cwd: project, env: env(), stdio: ['ignore', 'pipe', 'pipe'] }));
    try {
      await runtime.waitFor(/"msg":"runtime started"/);
      // Beside JSON logs the banner goes to stderr, after the start is logged.
      for (const queue of ['hashes', 'greetings', 'canary-cpu', 'canary-io']) await runtime.waitFor(new RegExp(`^\\s+${namespace}\\.${queue}\\s+(cpu|io)\\s`, 'm'), 60_000, 'stderr');
      for (const line of runtime.stdout.trimEnd().split('\n')) assert.doesNotThrow(() => JSON.parse(line), `stdout holds JSON lines only: ${line}`);

      const app = await run(warren(), ['run', 'app.ts'], { cwd: project, env: env() });
      assert.equal(app.code, 0, app.stdout + app.stderr);
      assert.match(app.stdout, /^Hashes\.sha256 \(cpu pool\): [0-9a-f]{16}\.\.\. after 10000 rounds$/m);
      assert.match(app.stdout, /^Greetings\.greet \(io pool\): Hello, world!/m);

      // The schedule of the user's job class fires on the installed runtime, and the installed CLI lists it.
      await runtime.waitFor(/"msg":"fired schedule:canary-tick@/, 15_000);
      const schedules = await run(warren(), ['schedules'], { cwd: project, env: env() });
      assert.equal(schedules.code, 0, schedules.stdout + schedules.stderr);
      assert.match(schedules.stdout, /canary-tick\s+IoCanary\.tick\s+every 1000 ms/);

      const canary = await run(process.execPath, ['--require', 'warren/register', 'canary.ts'], { cwd: project, env: env() });
      assert.equal(canary.code, 0, canary.stdout + canary.stderr);
      const seen = JSON.parse(canary.stdout.trim().split('\n').pop() as string) as {
        cpu: { threadId: number; paramTypes: string[]; taste: string };
        io: { threadId: number; paramTypes: string[]; taste: string };
        unroutable: string;
        again: string;
        delayed: string;
        delayedAfterMs: number;
      };
      assert.deepEqual(seen.io, { threadId: 0, paramTypes: ['Pepper'], taste: 'pepper' }, 'I/O task: main thread, metadata, injected');
      assert.ok(seen.cpu.threadId > 0, 'CPU task ran in a worker thread');
      assert.deepEqual([seen.cpu.paramTypes, seen.cpu.taste], [['Pepper'], 'pepper'], 'CPU task: metadata and injection in the worker');
      assert.equal(seen.unroutable, 'UnroutableTaskError');
      assert.equal(seen.again, 'pepper', 'the client works after the unroutable call');
      assert.equal(seen.delayed, 'pepper', 'a call with a countdown is answered');
      assert.ok(seen.delayedAfterMs >= 300, `not before its delay (${seen.delayedAfterMs} ms)`);
    } finally {
      runtime.child.kill('SIGTERM');
    }
    assert.equal(await runtime.closed, 0, runtime.stderr);
    assert.match(runtime.stdout, /"msg":"runtime stopped"/);
  });

  test('with a PostgreSQL result store, an app enqueues 1,000 tasks and exits; another process collects every result by id, and warren result reads one after the runtime stopped', { skip: postgres.skip, timeout: 180_000 }, async () => {
    fs.writeFileSync(path.join(project, 'jobs', 'ledger.ts'), LEDGER_JOBS);
    fs.writeFileSync(path.join(project, 'enqueue.ts'), ENQUEUE_APP);
    fs.writeFileSync(path.join(project, 'collect.ts'), COLLECT_APP);
    const storeEnv = () => ({ ...env(), WARREN_RESULTS_URL: postgres.url });
    const runtime = new Watched(spawn(warren(), ['start'], { cwd: project, env: storeEnv(), stdio: ['ignore', 'pipe', 'pipe'] }));
    try {
      await runtime.waitFor(/"msg":"runtime started"/);
      await runOk(warren(), ['run', 'enqueue.ts'], { cwd: project, env: storeEnv() });
      const collected = await runOk(warren(), ['run', 'collect.ts'], { cwd: project, env: storeEnv(), timeoutMs: 90_000 });
      assert.deepEqual(JSON.parse(collected.stdout.trim().split('\n').pop() as string), { count: 1000, doubled: true });
    } finally {
      runtime.child.kill('SIGTERM');
    }
    assert.equal(await runtime.closed, 0, runtime.stderr);
    const ids = JSON.parse(fs.readFileSync(path.join(project, 'ids.json'), 'utf8')) as string[];
    const last = await run(warren(), ['result', ids[999] as string], { cwd: project, env: storeEnv() });
    assert.equal(last.code, 0, last.stdout + last.stderr);
    assert.equal(JSON.parse(last.stdout), 1998);
    const status = await run(warren(), ['status', ids[999] as string, '--json', '--timeout', '200'], { cwd: project, env: storeEnv() });
    const { state, source, progress } = JSON.parse(status.stdout) as { state: string; source: string; progress: unknown };
    assert.deepEqual({ state, source, progress }, { state: 'succeeded', source: 'store', progress: { n: 999 } }, 'read from the store, the progress the task reported kept on its row');
    // The task's page from the installed CLI, with no runtime left to ask: the store's row tells its arguments and its steps.
    const { args, history, next } = JSON.parse(status.stdout) as { args: unknown; history: Array<{ state: string }>; next: string };
    assert.deepEqual(args, [999]);
    assert.deepEqual(history.map((step) => step.state), ['queued', 'running', 'succeeded']);
    assert.match(next, /^Done: the result store keeps its result/);
  });

  test('with the SDK loaded by node --require, one trace runs from the caller\'s span through an I/O task and a CPU task (its span made in the worker thread)', { timeout: 120_000 }, async () => {
    fs.writeFileSync(path.join(project, 'otel.js'), OTEL_SETUP);
    fs.writeFileSync(path.join(project, 'traced.ts'), TRACED_APP);
    const spansFile = path.join(scratch, 'spans.jsonl');
    const tracedEnv = () => ({ ...env(), SPANS_FILE: spansFile });
    const runtime = new Watched(spawn(process.execPath, ['--require', './otel.js', warren(), 'start'], { cwd: project, env: tracedEnv(), stdio: ['ignore', 'pipe', 'pipe'] }));
    try {
      await runtime.waitFor(/"msg":"runtime started"/);
      const app = await run(process.execPath, ['--require', './otel.js', '--require', 'warren/register', 'traced.ts'], { cwd: project, env: tracedEnv() });
      assert.equal(app.code, 0, app.stdout + app.stderr);
      const traceId = app.stdout.trim().split('\n').pop() as string;
      assert.match(traceId, /^[0-9a-f]{32}$/);

      const spans = fs.readFileSync(spansFile, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as SpanLine);
      const named = (name: string) => {
        const found = spans.filter((span) => span.name === name);
        assert.equal(found.length, 1, `one ${name} span among ${spans.map((span) => span.name).join(', ')}`);
        return found[0] as SpanLine;
      };
      const checkout = named('checkout');
      const [publishCpu, publishIo] = [named('publish CpuCanary.probe'), named('publish IoCanary.probe')];
      const [processCpu, processIo] = [named('process CpuCanary.probe'), named('process IoCanary.probe')];
      for (const span of [publishCpu, publishIo, processCpu, processIo]) assert.equal(span.traceId, checkout.traceId, `${span.name} is in the caller's trace`);
      assert.equal(checkout.traceId, traceId);
      assert.deepEqual([publishCpu.parentSpanId, publishIo.parentSpanId], [checkout.spanId, checkout.spanId], 'each publish is a child of the caller\'s span');
      assert.equal(processCpu.parentSpanId, publishCpu.spanId, 'the CPU run is a child of its publish');
      assert.equal(processIo.parentSpanId, publishIo.spanId, 'the I/O run is a child of its publish');
      assert.deepEqual([publishIo.kind, processIo.kind], [3, 4], 'PRODUCER, then CONSUMER (SpanKind)');
      assert.notEqual(processIo.pid, checkout.pid, 'the runs are the runtime\'s');
      assert.equal(processIo.threadId, 0, 'the I/O run\'s span is made in the main thread');
      assert.ok(processCpu.threadId > 0, 'the CPU run\'s span is made and exported in its worker thread');
      assert.equal(processCpu.pid, processIo.pid);
      assert.deepEqual(
        [processCpu.attributes['messaging.system'], processCpu.attributes['messaging.destination.name'], publishCpu.attributes['messaging.destination.name']],
        ['rabbitmq', `${namespace}.canary-cpu`, `${namespace}.tasks`],
      );
      assert.doesNotMatch(runtime.stdout + app.stdout + app.stderr, /tracing is off/);
    } finally {
      runtime.child.kill('SIGTERM');
    }
    assert.equal(await runtime.closed, 0, runtime.stderr);
  });
});
