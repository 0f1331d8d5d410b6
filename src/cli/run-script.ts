import fs from 'node:fs';
import path from 'node:path';
import { describe } from '../errors';
import { CliError, EXIT } from './cli-support';

/** What a script's module may export for Warren to await: `main`, or a default function. */
type Entry = (args: string[]) => unknown;

/**
 * Loads an app script (TypeScript through Warren's hook, or JavaScript) as `node script.ts args`
 * would. Resolves with its `main` (or default) export to call, or undefined when it exports none:
 * then the script runs on its own, from its top level.
 */
export function loadScript(file: string, args: readonly string[]): Entry | undefined {
  const absolute = path.resolve(file);
  if (!fs.existsSync(absolute)) throw new CliError(`No script ${absolute}`, EXIT.usage);
  process.argv = [process.argv[0] as string, absolute, ...args];
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const exports = require(absolute) as { main?: unknown; default?: unknown } | undefined;
  const entry = typeof exports?.main === 'function' ? exports.main : typeof exports?.default === 'function' ? exports.default : undefined;
  return entry as Entry | undefined;
}

/** Runs a script's entry to its end: exit code 0, or 1 with the error said, as `node` would. */
export async function runEntry(entry: Entry, args: readonly string[]): Promise<number> {
  try {
    await entry([...args]);
    return EXIT.ok;
  } catch (error) {
    process.stderr.write(`${error instanceof Error && error.stack ? error.stack : describe(error)}\n`);
    return EXIT.failed;
  }
}
