/**
 * `npm run bench:results [-- --tasks 5000 --runs 3]`: what storing results in PostgreSQL costs per
 * task, against not storing, in the same run: the same runtime and client on one RabbitMQ node,
 * once with no result store and once with a throwaway PostgreSQL, alternating, median of the runs.
 *
 * Measured in one process (runtime and client together, Warren from src/ under SWC): I/O no-op
 * throughput (N confirmed enqueues, first publish to last acknowledgement), process CPU time per
 * task over that window, and the p50/p99 of awaited calls one at a time (the reply leaves after
 * the row is written). Uses WARREN_TEST_BROKER_URL / WARREN_TEST_POSTGRES_URL when set.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import pino from 'pino';
import { connect, loadConfig, Runtime, type ResolvedConfig } from '../src';
import { ensurePostgresInstalled, startPostgres, type PostgresNode } from '../test/support/postgres-node';
import { ensureRabbitMqInstalled, startRabbitNode, type RabbitNode } from '../test/support/rabbitmq-node';
import { RESULT_STORE_DEFAULTS } from '../src/results/open-result-store';
import { percentile } from './stats';

interface Sample {
  readonly throughput: number;
  readonly cpuUsPerTask: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

const say = (line: string): void => void process.stdout.write(`[bench:results] ${line}\n`);
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  const value = at >= 0 ? Number(process.argv[at + 1]) : fallback;
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive whole number`);
  return value;
}

async function measure(brokerUrl: string, resultsUrl: string | undefined, tasks: number, calls: number): Promise<Sample> {
  // The test fixtures' jobs, with Warren from src/ (bench.config.ts binds compiled Warren, which this process does not load).
  const base = loadConfig(path.join(__dirname, '..', 'test', 'fixtures', 'fixture.config.ts'), { env: {} });
  const config: ResolvedConfig = {
    ...base,
    broker: { ...base.broker, url: brokerUrl, namespace: `bench-results-${randomBytes(3).toString('hex')}` },
    results: resultsUrl === undefined ? undefined : { ...RESULT_STORE_DEFAULTS, url: resultsUrl },
  };
  const logger = pino({ level: 'silent' });
  const runtime = await Runtime.start({ config, logger });
  const client = await connect({ url: brokerUrl, config, logger });
  try {
    const echo = (value: number) => client.call('IoJobs.echo', [value]);
    for (let i = 0; i < 500; i++) await echo(i); // warm-up: JIT, connections, prepared plans

    let done = 0;
    const finished = new Promise<void>((resolve) => {
      runtime.on('task', () => {
        if (++done === tasks) resolve();
      });
    });
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < tasks) {
        next++;
        await client.enqueue('IoJobs.echo', [next]);
      }
    };
    await Promise.all(Array.from({ length: 64 }, lane));
    await finished;
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);

    const latencies: number[] = [];
    for (let i = 0; i < calls; i++) {
      const start = performance.now();
      await echo(i);
      latencies.push(performance.now() - start);
    }
    return { throughput: tasks / seconds, cpuUsPerTask: (cpu.user + cpu.system) / tasks, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99) };
  } finally {
    await client.close();
    await runtime.stop();
  }
}

async function main(): Promise<void> {
  const tasks = option('tasks', 5_000);
  const runs = option('runs', 3);
  const calls = option('calls', 1_000);
  let rabbit: RabbitNode | undefined;
  let postgres: PostgresNode | undefined;
  try {
    let brokerUrl = process.env['WARREN_TEST_BROKER_URL'];
    if (!brokerUrl) {
      await ensureRabbitMqInstalled(say);
      rabbit = await startRabbitNode({ log: say });
      brokerUrl = rabbit.url;
    }
    let resultsUrl = process.env['WARREN_TEST_POSTGRES_URL'];
    if (!resultsUrl) {
      await ensurePostgresInstalled(say);
      postgres = await startPostgres({ log: say });
      resultsUrl = postgres.url;
    }
    const samples: Record<'none' | 'postgres', Sample[]> = { none: [], postgres: [] };
    for (let run = 1; run <= runs; run++) {
      for (const mode of run % 2 === 1 ? (['none', 'postgres'] as const) : (['postgres', 'none'] as const)) {
        const sample = await measure(brokerUrl, mode === 'postgres' ? resultsUrl : undefined, tasks, calls);
        samples[mode].push(sample);
        say(`run ${run} ${mode}: ${sample.throughput.toFixed(0)} tasks/s, ${sample.cpuUsPerTask.toFixed(0)} µs CPU/task, call p50 ${sample.p50Ms.toFixed(2)} ms, p99 ${sample.p99Ms.toFixed(2)} ms`);
      }
    }
    const row = (mode: 'none' | 'postgres') => {
      const of = (key: keyof Sample) => median(samples[mode].map((sample) => sample[key]));
      return { throughput: of('throughput'), cpu: of('cpuUsPerTask'), p50: of('p50Ms'), p99: of('p99Ms') };
    };
    const none = row('none');
    const pg = row('postgres');
    process.stdout.write(
      [
        '',
        `| results stored | I/O echo tasks/s | CPU µs/task (runtime + client) | call p50 ms | call p99 ms |`,
        `|---|---:|---:|---:|---:|`,
        `| none | ${none.throughput.toFixed(0)} | ${none.cpu.toFixed(0)} | ${none.p50.toFixed(2)} | ${none.p99.toFixed(2)} |`,
        `| PostgreSQL | ${pg.throughput.toFixed(0)} | ${pg.cpu.toFixed(0)} | ${pg.p50.toFixed(2)} | ${pg.p99.toFixed(2)} |`,
        `| ratio | ${(pg.throughput / none.throughput).toFixed(2)}× | ${(pg.cpu / none.cpu).toFixed(2)}× | ${(pg.p50 / none.p50).toFixed(2)}× | ${(pg.p99 / none.p99).toFixed(2)}× |`,
        '',
        `medians of ${runs} runs of ${tasks} enqueued echo tasks and ${calls} sequential calls each; PostgreSQL's own CPU is not counted`,
        '',
      ].join('\n'),
    );
  } finally {
    await Promise.all([rabbit?.stop(), postgres?.stop()]);
  }
}

void main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
