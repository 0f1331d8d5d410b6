import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { DIST } from './compiled-warren';

/**
 * `npm run build`: compiles src/ into dist/, which the server children run (bench/compiled-warren.ts).
 * Run once per bench, before any server starts, so a run always measures the sources as they are.
 * Resolves with the build's wall time; rejects with the build's output if it failed.
 */
export function buildWarren(cwd: string): Promise<number> {
  const started = performance.now();
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const child = spawn(npm, ['run', 'build'], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => output.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => output.push(chunk));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0) resolve(performance.now() - started);
      else reject(new Error(`npm run build (compiled Warren for the server children, ${DIST}) failed (${signal ?? `code ${code}`}):\n${Buffer.concat(output).toString('utf8')}`));
    });
  });
}
