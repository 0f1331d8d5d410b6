/**
 * `node -r @swc-node/register bench/profile/backlog-heap.ts [tasks] [--snapshot]` (after `npm run build`):
 * is the memory a server holds after draining a backlog live data or garbage? Queues `tasks`
 * no-op tasks (default 50 000) for Warren and for raw amqplib, lets a fresh server drain them,
 * and prints its main thread's heap right after the drain and after a full GC; with --snapshot,
 * writes a heap snapshot of Warren after the GC and prints the constructors holding the most.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { BrokerAdmin } from '../admin';
import { openBroker } from '../broker';
import { Cleanup } from '../cleanup';
import { windowed } from '../concurrency';
import { print, say } from '../log';
import { RESULTS_DIR } from '../report/write-results';
import { connectScaleClient, startScaleServer, type ScaleContext } from '../scale/scale-context';
import { scaleOptions } from '../scale/scale-options';
import { parseOptions } from '../options';
import { largestConstructors } from './heap-snapshot';

const MB = 1024 * 1024;

async function main(): Promise<void> {
  const tasks = Number(process.argv.find((arg) => /^\d+$/.test(arg)) ?? 50_000);
  const snapshot = process.argv.includes('--snapshot');
  const broker = await openBroker((line) => say(line));
  const admin = await BrokerAdmin.connect(broker.url);
  const cleanup = new Cleanup();
  const context: ScaleContext = { url: broker.url, admin, node: broker.node, runId: `heap-${randomBytes(3).toString('hex')}`, cleanup, options: scaleOptions(parseOptions(['--scale'])), details: [] };
  try {
    for (const system of ['warren', 'raw'] as const) {
      const namespace = `${context.runId}-${system}`;
      await (await startScaleServer(context, system, namespace)).stop({ keepQueues: true });
      const client = await connectScaleClient(context, system, namespace);
      await windowed(tasks, 500, () => client.enqueueNoop());
      await client.close();
      const { server, stop } = await startScaleServer(context, system, namespace);
      try {
        await (await server.armTotal('io', tasks)).done;
        const after = await server.request({ op: 'memory' });
        const collected = await server.request({ op: 'memory', gc: true });
        print(`${system}, ${tasks.toLocaleString('en-US')} tasks drained: heap used ${(after.usage.heapUsed / MB).toFixed(1)} MB right after, ${(collected.usage.heapUsed / MB).toFixed(1)} MB after a full GC; RSS ${(collected.usage.rss / MB).toFixed(1)} MB`);
        if (snapshot && system === 'warren') {
          const dir = path.join(RESULTS_DIR, 'profiles');
          fs.mkdirSync(dir, { recursive: true });
          const { file } = await server.request({ op: 'heap-snapshot', dir });
          print(`heap snapshot: ${path.relative(process.cwd(), file)}`);
          for (const row of largestConstructors(file, 15)) print(`  ${row.name}: ${row.count.toLocaleString('en-US')} objects, ${(row.selfBytes / MB).toFixed(1)} MB self`);
        }
      } finally {
        await stop();
      }
    }
  } finally {
    await cleanup.stopAll();
    await admin.close();
    await broker.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`backlog heap failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
