import 'reflect-metadata';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { gradientPpm } from '../../jobs/ppm-codec';
import { Crawler } from '../../jobs/crawler';
import { Images } from '../../jobs/images';
import { connect } from '../client/connect';
import { loadConfig } from '../config/load-config';
import { RemoteTaskError } from '../errors';
import { createLogger } from '../logging/logger';
import { table } from '../format/table';
import { Runtime } from '../runtime/runtime';
import type { TaskEvent } from '../runtime/task-event';
import { startPageServer } from './page-server';

/**
 * `npm run demo`: the example jobs end to end. A runtime and a client in one process, on the
 * embedded broker (or on RabbitMQ with WARREN_BROKER_URL), CPU and I/O queues busy at once.
 */
async function main(): Promise<void> {
  const config = loadConfig(path.join(__dirname, '..', '..', 'runtime.config.ts'), { env: { ...process.env, WARREN_LOG_LEVEL: process.env.WARREN_LOG_LEVEL ?? 'warn' } });
  const logger = createLogger(config.logLevel);
  const site = await startPageServer({ '/': 'Warren home', '/docs': 'Warren docs', '/pools': 'CPU and I/O pools', '/retries': 'Retries', '/topology': 'Topology' });

  const started = performance.now();
  const runtime = await Runtime.start({ config, logger });
  say(`${runtime.banner()}\n\nruntime started in ${ms(performance.now() - started)}\n`);
  const events: TaskEvent[] = [];
  runtime.on('task', (event) => events.push(event));
  const client = await connect({ config });

  try {
    const images = client.proxy(Images);
    const crawler = client.proxy(Crawler);
    const photo = gradientPpm(800, 600).toString('base64');
    const big = Buffer.alloc(2 * 1024 * 1024, 7).toString('base64');

    say('calling 6 CPU tasks and 5 I/O tasks at once...\n');
    const t0 = performance.now();
    const [thumbs, checksums, pages] = await Promise.all([
      Promise.all([80, 160, 320, 640].map((width) => images.thumbnail({ image: photo, width }))),
      Promise.all([images.checksum(big, 50), images.checksum.with({ timeoutMs: 30_000 })(big, 100)]),
      Promise.all(['/', '/docs', '/pools', '/retries', '/topology'].map((p) => crawler.fetchTitle(`${site.baseUrl}${p}`))),
    ]);
    const wall = performance.now() - t0;

    say('results');
    say(table([['task', 'result'], ...thumbs.map((t) => ['Images.thumbnail', `${t.width}x${t.height} PPM, sha256 ${t.sha256.slice(0, 12)}…`]), ...checksums.map((c) => ['Images.checksum', `sha256 ${c.slice(0, 16)}…`]), ...pages.map((p) => ['Crawler.fetchTitle', `${p.url.replace(site.baseUrl, '')} → "${p.title}" (${p.bytes} bytes)`])]).join('\n'));

    say('\nwhere each task ran');
    say(table([['task', 'pool', 'thread', 'duration', 'outcome'], ...events.map((e) => [e.task, e.pool, e.threadId === 0 ? 'main' : `worker ${e.threadId}`, ms(e.durationMs), e.outcome])]).join('\n'));
    const cpuThreads = new Set(events.filter((e) => e.pool === 'cpu').map((e) => e.threadId));
    say(`\n${events.length} tasks in ${ms(wall)} wall time; CPU tasks used ${cpuThreads.size} worker thread(s), I/O tasks ran on the main loop.`);

    say('\nerrors come back to the caller:');
    try {
      await crawler.fetchTitle(`${site.baseUrl}/missing`);
    } catch (error) {
      if (!(error instanceof RemoteTaskError)) throw error;
      say(`  ${error.name}: ${error.message}`);
    }
    const stored = await crawler.stored();
    say(`\nthe crawler's injected PageStore holds ${stored.length} pages.`);
    const taskId = await images.checksum.enqueue(big, 1);
    say(`enqueued Images.checksum without waiting: task id ${taskId}`);
    // Nobody awaited it: its result is read by id from the result store (the embedded one here, PostgreSQL in production).
    say(`its result, read by id from the result store: ${String(await client.result(taskId, { timeoutMs: 30_000 }))}`);
  } finally {
    await client.close();
    await runtime.stop();
    await site.close();
  }
  say('\nruntime stopped cleanly.');
}

function say(text: string): void {
  process.stdout.write(`${text}\n`);
}

function ms(value: number): string {
  return `${value.toFixed(value < 10 ? 1 : 0)} ms`;
}

main().catch((error: unknown) => {
  process.stderr.write(`demo failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
