import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const REPO = path.join(__dirname, '..', '..');

export interface Finished {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * A child's environment without what `npm test` put there for this repository: a nested npm
 * that saw npm_config_local_prefix or npm_package_json would act on the repository, not on the
 * project it runs in.
 */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!/^npm_/i.test(name) && name !== 'INIT_CWD') env[name] = value;
  return { ...env, ...extra };
}

export function run(cmd: string, args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: options.cwd, env: options.env ?? cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 180_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs and insists on exit 0, with the output in the failure. */
export async function runOk(cmd: string, args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<Finished> {
  const result = await run(cmd, args, options);
  if (result.code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${result.code} in ${options.cwd}\n${result.stdout}\n${result.stderr}`);
  return result;
}

/** `npm pack` of this repository (its prepack builds dist/): the tarball a user would install. */
export async function packWarren(into: string): Promise<string> {
  const { stdout } = await runOk('npm', ['pack', '--silent', '--pack-destination', into], { cwd: REPO });
  const name = stdout.trim().split('\n').pop() as string;
  return path.join(into, name);
}

/** A fresh project outside the repository, with the tarball and a type-checker installed as a user would. */
export async function createProject(tarball: string): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warren-user-project-'));
  const own = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
  const pkg = {
    name: 'user-project',
    private: true,
    type: 'commonjs',
    dependencies: { warren: `file:${tarball}` },
    devDependencies: { typescript: own.devDependencies['typescript'], '@types/node': own.devDependencies['@types/node'] },
  };
  fs.writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  await runOk('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: dir, timeoutMs: 300_000 });
  return dir;
}

/** A long-running child whose output is watched for a line. */
export class Watched {
  stdout = '';
  stderr = '';
  readonly closed: Promise<number | null>;

  constructor(readonly child: ChildProcess) {
    child.stdout?.on('data', (chunk: Buffer) => (this.stdout += chunk));
    child.stderr?.on('data', (chunk: Buffer) => (this.stderr += chunk));
    this.closed = new Promise((resolve) => child.on('close', (code) => resolve(code)));
  }

  /** Resolves when stdout (or stderr) has matched; rejects if the child exits first, or after `timeoutMs`, with what it printed. */
  waitFor(pattern: RegExp, timeoutMs = 60_000, stream: 'stdout' | 'stderr' = 'stdout'): Promise<void> {
    const source = this.child[stream];
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        source?.off('data', check);
        reject(new Error(`printed no ${pattern} on ${stream} within ${timeoutMs} ms\n${this.stdout}\n${this.stderr}`));
      }, timeoutMs);
      const check = () => {
        if (pattern.test(this[stream])) {
          clearTimeout(timer);
          source?.off('data', check);
          resolve();
        }
      };
      source?.on('data', check);
      void this.closed.then((code) => {
        clearTimeout(timer);
        reject(new Error(`exited ${code} before printing ${pattern}\n${this.stdout}\n${this.stderr}`));
      });
      check();
    });
  }
}
