/**
 * Child process of bench --scale's callers curve: one caller (Warren's typed proxies from compiled
 * Warren, or the raw amqplib caller), under `node --require warren/register` as a user's process
 * would run. Connects, says ready (with its RSS), makes BENCH_CALLS sequential echo calls on "go",
 * sends every round trip back, and exits.
 */
import { performance } from 'node:perf_hooks';
import { RawBenchClient } from '../baseline/raw-client';
import type { IoClient } from '../clients/bench-client';
import { WarrenBenchClient } from '../clients/warren-bench-client';
import { requiredEnv } from '../servers/child-control';

export type ToCaller = { readonly kind: 'go' };
export type FromCaller =
  | { readonly kind: 'ready'; readonly rssBytes: number }
  | { readonly kind: 'done'; readonly latenciesMs: number[] }
  | { readonly kind: 'failed'; readonly error: string };

function send(message: FromCaller): void {
  if (process.connected) process.send?.(message);
}

async function main(): Promise<void> {
  const url = requiredEnv('BENCH_BROKER_URL');
  const namespace = requiredEnv('BENCH_NAMESPACE');
  const calls = Number(requiredEnv('BENCH_CALLS'));
  const client: IoClient = requiredEnv('BENCH_SYSTEM') === 'warren' ? await WarrenBenchClient.connect(url, namespace) : await RawBenchClient.connect(url, namespace);
  process.on('disconnect', () => void client.close().finally(() => process.exit(0)));
  process.on('message', (message: ToCaller) => {
    if (message?.kind !== 'go') return;
    void (async () => {
      const latenciesMs: number[] = [];
      for (let i = 0; i < calls; i++) {
        const t0 = performance.now();
        await client.echo(i);
        latenciesMs.push(performance.now() - t0);
      }
      send({ kind: 'done', latenciesMs });
      await client.close();
      setImmediate(() => process.exit(0));
    })().catch((error: unknown) => {
      send({ kind: 'failed', error: error instanceof Error ? error.message : String(error) });
      process.exit(1);
    });
  });
  send({ kind: 'ready', rssBytes: process.memoryUsage.rss() });
}

main().catch((error: unknown) => {
  send({ kind: 'failed', error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exit(1);
});
