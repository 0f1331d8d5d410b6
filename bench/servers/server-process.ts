import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Counts, FromChild, Op, QueueKind, Request, Responses, ServerInfo, ToChild } from '../ipc';

export const ROOT = path.resolve(__dirname, '..', '..');

/**
 * How every server child loads its TypeScript: Warren's own hook from compiled Warren
 * (`node --require warren/register`, the documented way to run a user's .ts; the package resolves
 * to this repository's dist/ by its own name). It is the hook `warren start` registers, SWC with
 * fixed options and no TypeScript compiler, so the children's RSS is what a user's process carries.
 * Warren strips this flag from its CPU workers, which register the hook themselves.
 */
export const CHILD_LOADER: readonly string[] = ['--require', 'warren/register'];

export interface SpawnServerOptions {
  /** Shown in errors. */
  readonly label: string;
  /** The child's entry file, relative to the repository root. */
  readonly script: string;
  readonly env: Readonly<Record<string, string>>;
  /** Write a V8 CPU profile of the child into this directory (`node --cpu-prof`). */
  readonly cpuProfileDir?: string;
  readonly readyTimeoutMs?: number;
}

/** An armed completion count: `done` settles when the count is reached. */
export interface Armed<T = unknown> {
  readonly done: Promise<T>;
}

type Pending = { resolve: (value: never) => void; reject: (error: Error) => void };

/**
 * A server child (`node --require warren/register <script>`) seen from the bench process: typed
 * requests over IPC, completion counts, and a stop that always ends the child.
 */
export class ServerProcess {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly arms = new Map<number, { resolve: (counts: Counts) => void; reject: (error: Error) => void }>();
  /** `reached` messages that arrived before their arm was registered. */
  private readonly early = new Map<number, Counts>();
  private exited = false;
  private exitError: Error | undefined;
  private stopRequested = false;

  private constructor(
    private readonly child: ChildProcess,
    readonly label: string,
    readonly info: ServerInfo,
  ) {
    child.on('message', (message: FromChild) => this.onMessage(message));
    child.on('exit', (code, signal) => {
      this.exited = true;
      this.exitError = new Error(`${label} server exited (${signal ?? `code ${code}`})`);
      for (const { reject } of [...this.pending.values(), ...this.arms.values()]) reject(this.exitError);
      this.pending.clear();
      this.arms.clear();
    });
  }

  static spawn(options: SpawnServerOptions): Promise<ServerProcess> {
    const profile = options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`, `--cpu-prof-name=${options.label}-${Date.now()}.cpuprofile`] : [];
    const child = spawn(process.execPath, [...profile, ...CHILD_LOADER, options.script], {
      cwd: ROOT,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`${options.label} server did not become ready within ${options.readyTimeoutMs ?? 60_000} ms`));
      }, options.readyTimeoutMs ?? 60_000);
      const onExit = (code: number | null, signal: string | null): void => {
        clearTimeout(timer);
        reject(new Error(`${options.label} server exited during start-up (${signal ?? `code ${code}`})`));
      };
      child.once('exit', onExit);
      child.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      const onReady = (message: FromChild): void => {
        if (message.kind === 'fatal') {
          clearTimeout(timer);
          reject(new Error(`${options.label} server failed: ${message.error}`));
          return;
        }
        if (message.kind !== 'ready') return;
        clearTimeout(timer);
        child.off('message', onReady);
        child.off('exit', onExit);
        resolve(new ServerProcess(child, options.label, message.info));
      };
      child.on('message', onReady);
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  request<O extends Op>(request: Extract<Request, { op: O }>): Promise<Responses[O]> {
    if (this.exited) return Promise.reject(this.exitError ?? new Error(`${this.label} server has exited`));
    const id = this.nextId++;
    const message: ToChild = { kind: 'request', id, request };
    return new Promise<Responses[O]>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: never) => void, reject });
      this.child.send(message);
    });
  }

  /**
   * Resolves once the child has armed the count (publish after that); `done` resolves with the
   * child's counts when `count` more tasks of `queue` completed. (`done` is wrapped in an object
   * because a promise resolved with a promise would wait for it.)
   */
  async arm(queue: QueueKind, count: number): Promise<Armed<Counts>> {
    const { armId } = await this.request({ op: 'arm', queue, count });
    return { done: this.completion(armId) };
  }

  /** Like `arm`, with the total of completed tasks of `queue` since the child started. */
  async armTotal(queue: QueueKind, target: number): Promise<Armed<Counts>> {
    const { armId } = await this.request({ op: 'arm-total', queue, target });
    return { done: this.completion(armId) };
  }

  /** Asks the child to stop; kills it if it has not exited within `timeoutMs`. */
  async stop(timeoutMs = 15_000): Promise<void> {
    this.stopRequested = true;
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.request({ op: 'stop' }).catch(() => {});
    const timer = setTimeout(() => this.kill(), timeoutMs);
    await exited;
    clearTimeout(timer);
  }

  /** Synchronous last resort (signal handlers): SIGKILL this child by its pid. */
  kill(): void {
    if (!this.exited && this.child.pid !== undefined) {
      try {
        process.kill(this.child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }

  private completion(armId: number): Promise<Counts> {
    const already = this.early.get(armId);
    if (already) {
      this.early.delete(armId);
      return Promise.resolve(already);
    }
    if (this.exited) return Promise.reject(this.exitError ?? new Error(`${this.label} server has exited`));
    return new Promise<Counts>((resolve, reject) => this.arms.set(armId, { resolve, reject }));
  }

  private onMessage(message: FromChild): void {
    switch (message.kind) {
      case 'response': {
        const pending = this.pending.get(message.id);
        if (!pending) return;
        this.pending.delete(message.id);
        if (message.ok) pending.resolve(message.value as never);
        else pending.reject(new Error(`${this.label} server: ${message.error}`));
        return;
      }
      case 'reached': {
        const arm = this.arms.get(message.armId);
        if (arm) {
          this.arms.delete(message.armId);
          arm.resolve(message.counts);
        } else {
          this.early.set(message.armId, message.counts);
        }
        return;
      }
      case 'fatal':
        if (!this.stopRequested) process.stderr.write(`${this.label} server: ${message.error.split('\n')[0] ?? message.error}\n`);
        return;
      case 'ready':
        return;
    }
  }
}
