import { spawn } from 'node:child_process';
import path from 'node:path';

const root = path.join(__dirname, '..', '..');

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the repository's warren command with the fixture config and `env` over this process's, without a terminal (confirmations need --yes). */
export function runWarren(env: NodeJS.ProcessEnv, ...args: string[]): Promise<Finished> {
  const child = spawn(process.execPath, [path.join(root, 'bin', 'warren.js'), ...args, '--config', 'test/fixtures/fixture.config.ts'], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}
