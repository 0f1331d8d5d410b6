import path from 'node:path';
import pino from 'pino';
import { connect, loadConfig, type TaskProxy, type WarrenClient } from '../../src';
import { BenchCpu, BenchIo } from '../jobs/bench-jobs';
import type { CpuClient } from './bench-client';

const CONFIG_FILE = path.join(__dirname, '..', 'bench.config.ts');

/** The Warren side: typed proxies, exactly as an application calls its jobs. */
export class WarrenBenchClient implements CpuClient {
  private constructor(
    private readonly client: WarrenClient,
    private readonly io: TaskProxy<BenchIo>,
    private readonly cpu: TaskProxy<BenchCpu>,
  ) {}

  static async connect(url: string, namespace: string): Promise<WarrenBenchClient> {
    const loaded = loadConfig(CONFIG_FILE, { env: {} });
    const config = { ...loaded, broker: { ...loaded.broker, url, namespace } };
    const client = await connect({ url, config, logger: pino({ level: 'silent' }) });
    return new WarrenBenchClient(client, client.proxy(BenchIo), client.proxy(BenchCpu));
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

  close(): Promise<void> {
    return this.client.close();
  }
}
