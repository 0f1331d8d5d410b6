import { loadScript, runEntry } from './run-script';

/**
 * `warren run script.ts [args]`: an app script, compiled by Warren's hook, as `node` would run it.
 * A `main` (or default) export is awaited and decides the exit code; otherwise the script runs
 * from its top level and the process ends when it has nothing left to do.
 */
export async function runCommand(script: string, args: string[]): Promise<void> {
  const entry = loadScript(script, args);
  // Exits when main() is done, as warren dev does, even if the script left a connection open.
  if (entry) process.exit(await runEntry(entry, args));
}
