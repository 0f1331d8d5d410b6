import { execFile, spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { BrokerAdmin } from '../admin';
import { sleep } from '../concurrency';

export const CELERY_DIR = __dirname;
export const CELERY_INSTALL_HINT = 'apt-get install python3-celery';

export interface CeleryPython {
  readonly python: string;
  readonly celeryVersion: string;
}

/** The first of `python3` (PATH) and Debian's `/usr/bin/python3` that can `import celery`. */
export async function findCeleryPython(candidates: readonly string[] = ['python3', '/usr/bin/python3']): Promise<CeleryPython | undefined> {
  for (const python of candidates) {
    const version = await new Promise<string | undefined>((resolve) => {
      execFile(python, ['-c', 'import celery; print(celery.__version__)'], { timeout: 20_000 }, (error, stdout) => resolve(error ? undefined : stdout.trim()));
    });
    if (version) return { python, celeryVersion: version };
  }
  return undefined;
}

export type CeleryPool = 'prefork' | 'threads';

export interface CeleryWorkerOptions {
  readonly python: string;
  readonly pool: CeleryPool;
  readonly concurrency: number;
  readonly prefetchMultiplier: number;
  readonly url: string;
  readonly queue: string;
  readonly admin: BrokerAdmin;
}

/**
 * A Celery worker (`python3 -m celery -A bench_celery worker`) in its own process group, so that
 * stopping it also ends its prefork children. Ready once it consumes from its queue.
 */
export class CeleryWorker {
  private output: string[] = [];
  private exited = false;

  private constructor(private readonly child: ChildProcess) {
    const keep = (chunk: Buffer): void => {
      this.output.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      if (this.output.length > 60) this.output = this.output.slice(-60);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.on('exit', () => (this.exited = true));
  }

  static async start(options: CeleryWorkerOptions): Promise<CeleryWorker> {
    const args = [
      '-m', 'celery', '-A', 'bench_celery', 'worker',
      '-P', options.pool, '-c', String(options.concurrency), '-Q', options.queue,
      '-n', `bench-${options.pool}-${process.pid}@%h`,
      '--without-gossip', '--without-mingle', '--without-heartbeat', '-l', 'WARNING',
    ];
    const child = spawn(options.python, args, {
      cwd: CELERY_DIR,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        PYTHONPATH: [CELERY_DIR, process.env.PYTHONPATH].filter(Boolean).join(path.delimiter),
        BENCH_BROKER_URL: options.url,
        BENCH_CELERY_QUEUE: options.queue,
        BENCH_PREFETCH_MULTIPLIER: String(options.prefetchMultiplier),
        BENCH_PARENT_PID: String(process.pid),
        PYTHONDONTWRITEBYTECODE: '1', // no __pycache__ in bench/celery
        C_FORCE_ROOT: '1',
      },
    });
    const worker = new CeleryWorker(child);
    const deadline = Date.now() + 60_000;
    while ((await options.admin.consumers(options.queue)) < 1) {
      if (worker.exited || Date.now() > deadline) {
        await worker.stop();
        throw new Error(`celery ${options.pool} worker did not start:\n${worker.output.join('\n')}`);
      }
      await sleep(100);
    }
    return worker;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /**
   * Cold shutdown (SIGQUIT: nothing is in flight when the bench stops a worker, and a prefork
   * pool's warm shutdown takes seconds), then SIGKILL to the worker's process group after `timeoutMs`.
   */
  async stop(timeoutMs = 1_500): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.signal('SIGQUIT', false);
    const timer = setTimeout(() => this.kill(), timeoutMs);
    await exited;
    clearTimeout(timer);
    this.kill(); // prefork children left behind, if any
  }

  /** Synchronous last resort: SIGKILL the worker's process group (it leads its own group). */
  kill(): void {
    this.signal('SIGKILL', true);
  }

  private signal(signal: NodeJS.Signals, group: boolean): void {
    const pid = this.child.pid;
    if (pid === undefined) return;
    try {
      process.kill(group ? -pid : pid, signal);
    } catch {
      // gone
    }
  }
}
