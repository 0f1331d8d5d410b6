import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { FAULT_CONFIG, REPO_ROOT, WARREN_BIN } from './paths';

export interface RuntimeExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface RuntimeProcessOptions {
  /** Names the log file: `<logDir>/<label>.log`. */
  readonly label: string;
  readonly logDir: string;
  /** Default: test/faults/fault.config.ts. */
  readonly config?: string;
  /** Added to the suite's environment. */
  readonly env: Readonly<Record<string, string>>;
}

const TAIL_CHARS = 16_000;
const MAX_LINES = 5_000;
const live = new Set<RuntimeProcess>();

/**
 * One `node bin/warren.js start` child process. Its stdout and stderr go to a log file (and a
 * short tail in memory); it is ready once it printed its `[tasks]` banner (on stderr), which `warren start`
 * writes after every queue is consumed.
 */
export class RuntimeProcess {
  readonly label: string;
  readonly pid: number;
  readonly startedAt = Date.now();
  readonly exited: Promise<RuntimeExit>;
  private readonly child: ChildProcess;
  private exit: RuntimeExit | undefined;
  private stdoutTail = '';
  private stderrTail = '';
  private banner = false;
  /** Complete stdout lines (pino JSON at the suite's warn level), the last MAX_LINES of them. */
  private readonly lines: string[] = [];
  private partialLine = '';
  private readonly bannerWaiters: Array<() => void> = [];

  private constructor(options: RuntimeProcessOptions) {
    this.label = options.label;
    const logFile = path.join(options.logDir, `${options.label}.log`);
    const log = fs.createWriteStream(logFile);
    this.child = spawn(process.execPath, [WARREN_BIN, 'start', '--config', options.config ?? FAULT_CONFIG], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (this.child.pid === undefined) throw new Error(`could not spawn the runtime process ${options.label}`);
    this.pid = this.child.pid;
    live.add(this);
    this.child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      log.write(chunk);
      this.stdoutTail = (this.stdoutTail + chunk).slice(-TAIL_CHARS);
      const complete = (this.partialLine + chunk).split('\n');
      this.partialLine = complete.pop() ?? '';
      this.lines.push(...complete);
      if (this.lines.length > MAX_LINES) this.lines.splice(0, this.lines.length - MAX_LINES);
    });
    this.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      log.write(chunk);
      this.stderrTail = (this.stderrTail + chunk).slice(-TAIL_CHARS);
      // With JSON logs on stdout, warren start writes its banner to stderr.
      if (!this.banner && this.stderrTail.includes('[tasks]')) {
        this.banner = true;
        for (const resolve of this.bannerWaiters.splice(0)) resolve();
      }
    });
    this.exited = new Promise((resolve) => {
      this.child.once('close', (code, signal) => {
        this.exit = { code, signal };
        live.delete(this);
        log.end();
        for (const wake of this.bannerWaiters.splice(0)) wake();
        resolve(this.exit);
      });
    });
  }

  static spawn(options: RuntimeProcessOptions): RuntimeProcess {
    return new RuntimeProcess(options);
  }

  /** Printed its banner (and has not necessarily exited since: see `alive`). */
  get served(): boolean {
    return this.banner;
  }

  get alive(): boolean {
    return this.exit === undefined;
  }

  get exitStatus(): RuntimeExit | undefined {
    return this.exit;
  }

  ready(timeoutMs: number): Promise<void> {
    if (this.banner) return Promise.resolve();
    if (this.exit) return Promise.reject(new Error(`runtime ${this.label} exited before it was ready (${describeExit(this.exit)})${this.describeOutput()}`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`runtime ${this.label} printed no banner within ${timeoutMs} ms${this.describeOutput()}`)), timeoutMs);
      this.bannerWaiters.push(() => {
        clearTimeout(timer);
        if (this.banner) resolve();
        else reject(new Error(`runtime ${this.label} exited before it was ready (${describeExit(this.exit)})${this.describeOutput()}`));
      });
    });
  }

  /** Signals this process, by its PID; a no-op once it has exited. */
  kill(signal: NodeJS.Signals): void {
    if (this.alive) this.child.kill(signal);
  }

  /** Resolves with the exit status, or rejects if the process is still running after `timeoutMs`. */
  async waitExit(timeoutMs: number): Promise<RuntimeExit> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`runtime ${this.label} still running ${timeoutMs} ms later${this.describeOutput()}`)), timeoutMs);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** How many stdout lines so far match `pattern`. */
  countLines(pattern: RegExp): number {
    return this.lines.filter((line) => pattern.test(line)).length;
  }

  get stdout(): string {
    return this.stdoutTail;
  }

  get stderr(): string {
    return this.stderrTail;
  }

  /** The last lines of stderr (pino's JSON lines end up there only for errors; warn lines go to stdout). */
  describeOutput(lines = 8): string {
    const tail = `${this.stderrTail}\n${this.stdoutTail}`
      .split('\n')
      .filter((line) => line.trim() && !line.startsWith('  ') && !line.startsWith('['))
      .slice(-lines)
      .map((line) => `    | ${line.slice(0, 400)}`)
      .join('\n');
    return tail ? `; last output:\n${tail}` : '';
  }
}

export function describeExit(exit: RuntimeExit | undefined): string {
  if (!exit) return 'still running';
  return exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code}`;
}

/** Last resort (suite exiting): SIGKILL every runtime process the suite started and that is still running, by PID. */
export function killLiveRuntimesSync(): void {
  for (const runtime of live) runtime.kill('SIGKILL');
}
