import { spawn } from 'node:child_process';

/**
 * Runs an install or setup command; resolves on exit 0, rejects with its last lines otherwise.
 * With `echo`, every output line goes to `log` as it comes (apt-get progress, for a person watching).
 */
export function runLogged(cmd: string, args: string[], env: NodeJS.ProcessEnv, log: (line: string) => void, options: { echo?: boolean } = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    log(`$ ${cmd} ${args.join(' ')}`);
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const tail: string[] = [];
    const onData = (chunk: Buffer): void => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line.trim()) continue;
        if (options.echo) log(`  ${line}`);
        tail.push(line);
        if (tail.length > 30) tail.shift();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`${cmd} ${args.join(' ')} failed (${signal ?? `exit ${code}`}):\n${tail.join('\n')}`));
    });
  });
}
