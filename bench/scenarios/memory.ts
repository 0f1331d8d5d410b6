import { sleep } from '../concurrency';
import type { ServerProcess } from '../servers/server-process';

/**
 * Scenario 5a: each server's RSS after it started, before any task, after a short settle (one
 * settle for all of them). (5b, under load, is sampled by io-throughput.)
 */
export async function idleRss(servers: readonly ServerProcess[], settleMs = 300): Promise<number[]> {
  await sleep(settleMs);
  const bytes: number[] = [];
  for (const server of servers) bytes.push((await server.request({ op: 'rss' })).bytes);
  return bytes;
}
