/**
 * `node -r @swc-node/register bench/memory-breakdown.ts`: where the server children's memory goes.
 * Starts each child the bench measures (the empty loader-only child, raw amqplib, raw amqplib with
 * a bare 2-thread piscina pool, Warren with 1 and with its default CPU threads) on a throwaway
 * RabbitMQ node, one at a time, and prints its idle RSS beside its main thread's heap, external
 * memory and loaded modules by package: the RSS a thread costs is the difference between rows.
 */
import { randomBytes } from 'node:crypto';
import { BrokerAdmin } from './admin';
import { openBroker } from './broker';
import { buildWarren } from './build-warren';
import { BENCH_IO_CONCURRENCY } from './jobs/bench-io-concurrency';
import { print, say } from './log';
import { sleep } from './concurrency';
import type { MemoryBreakdown } from './ipc';
import { ROOT, ServerProcess } from './servers/server-process';

const MB = 1024 * 1024;

interface Row {
  readonly label: string;
  readonly script: string;
  readonly env: Record<string, string>;
}

async function main(): Promise<void> {
  say('building compiled Warren (npm run build)');
  await buildWarren(ROOT);
  const broker = await openBroker((line) => say(line));
  const admin = await BrokerAdmin.connect(broker.url);
  const runId = `mem-${randomBytes(3).toString('hex')}`;
  const declared = { queues: new Set<string>(), exchanges: new Set<string>() };
  try {
    const rawEnv = (ns: string): Record<string, string> => ({ BENCH_BROKER_URL: broker.url, BENCH_NAMESPACE: ns, BENCH_IO_PREFETCH: String(BENCH_IO_CONCURRENCY), BENCH_CPU_PREFETCH: '4' });
    const rows: Row[] = [
      { label: 'empty child (loader only)', script: 'bench/servers/empty-server.ts', env: {} },
      { label: 'raw amqplib', script: 'bench/baseline/raw-server.ts', env: rawEnv(`${runId}-raw`) },
      { label: 'raw amqplib + bare piscina, 2 threads', script: 'bench/baseline/raw-server.ts', env: { ...rawEnv(`${runId}-piscina`), BENCH_CPU_THREADS: '2' } },
      { label: 'Warren, 1 CPU thread', script: 'bench/servers/warren-server.ts', env: { BENCH_BROKER_URL: broker.url, BENCH_NAMESPACE: `${runId}-w1`, BENCH_CPU_THREADS: '1' } },
      { label: 'Warren, default CPU threads', script: 'bench/servers/warren-server.ts', env: { BENCH_BROKER_URL: broker.url, BENCH_NAMESPACE: `${runId}-w2` } },
    ];
    for (const row of rows) {
      const server = await ServerProcess.spawn({ label: row.label, script: row.script, env: row.env });
      for (const queue of server.info.declared.queues) declared.queues.add(queue);
      for (const exchange of server.info.declared.exchanges) declared.exchanges.add(exchange);
      try {
        await sleep(1_000);
        const memory = await server.request({ op: 'memory' });
        print(formatRow(row.label, server.info.threads, memory));
      } finally {
        await server.stop();
      }
    }
  } finally {
    await admin.deleteAll([...declared.queues], [...declared.exchanges]);
    await admin.close();
    await broker.stop();
  }
}

function formatRow(label: string, cpuThreads: number, memory: MemoryBreakdown): string {
  const { usage } = memory;
  const mb = (bytes: number): string => `${(bytes / MB).toFixed(1)} MB`;
  const modules = memory.modules.map((entry) => `${entry.area} ${entry.count} (${(entry.bytes / 1024).toFixed(0)} KB)`).join(', ');
  const spaces = Object.entries(memory.heapSpaces)
    .filter(([, bytes]) => bytes > MB / 2)
    .map(([name, bytes]) => `${name} ${mb(bytes)}`)
    .join(', ');
  return [
    `${label}: RSS ${mb(usage.rss)}; ${memory.threads ?? '?'} OS threads (${cpuThreads} CPU workers)`,
    `  main thread: heap used ${mb(usage.heapUsed)} of ${mb(usage.heapTotal)} (${spaces}); external ${mb(usage.external)}, array buffers ${mb(usage.arrayBuffers)}`,
    `  modules loaded: ${memory.modules.reduce((sum, entry) => sum + entry.count, 0)}: ${modules}`,
  ].join('\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`memory breakdown failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
