import path from 'node:path';
import pino from 'pino';
import type { TaskProxy, WarrenClient } from '../../src';
import { compiledWarren } from '../compiled-warren';
import type { BenchCpu, BenchIo } from '../jobs/bench-jobs';
import type { QueueKind } from '../ipc';
import type { SizeClient } from './bench-client';

const CONFIG_FILE = path.join(__dirname, '..', 'bench.config.ts');

/**
 * The Warren side: typed proxies, exactly as an application calls its jobs, from compiled Warren
 * like the server. The job classes are imported for their types only and named (a documented
 * form), so the bench process need not load them before it has built dist/.
 */
export class WarrenBenchClient implements SizeClient {
  private constructor(
    private readonly client: WarrenClient,
    private readonly io: TaskProxy<BenchIo>,
    private readonly cpu: TaskProxy<BenchCpu>,
  ) {}

  static async connect(url: string, namespace: string): Promise<WarrenBenchClient> {
    const { connect, loadConfig } = compiledWarren();
    const loaded = loadConfig(CONFIG_FILE, { env: { WARREN_BROKER_URL: url, WARREN_NAMESPACE: namespace } });
    const config = { ...loaded, broker: { ...loaded.broker, url, namespace } };
    const client = await connect({ url, config, logger: pino({ level: 'silent' }) });
    return new WarrenBenchClient(client, client.proxy<BenchIo>('BenchIo'), client.proxy<BenchCpu>('BenchCpu'));
  }

  async enqueueNoop(): Promise<void> {
    await this.io.noop.enqueue();
  }

  echo(value: number): Promise<number> {
    return this.io.echo(value);
  }

  async enqueueKernel(n: number): Promise<void> {
    await this.cpu.kernel.enqueue(n);
  }

  size(pool: QueueKind, value: string): Promise<number> {
    return pool === 'io' ? this.io.size(value) : this.cpu.size(value);
  }

  close(): Promise<void> {
    return this.client.close();
  }
}
