import fs from 'node:fs';
import v8 from 'node:v8';
import vm from 'node:vm';
import type { MemoryBreakdown } from '../ipc';

/** This process's memory as the bench reports it (ipc.ts MemoryBreakdown): read in the child, so it sees its own modules. */
export function memoryBreakdown(collectFirst = false): MemoryBreakdown {
  if (collectFirst) fullGc();
  const heapSpaces: Record<string, number> = {};
  for (const space of v8.getHeapSpaceStatistics()) heapSpaces[space.space_name] = space.space_used_size;
  const areas = new Map<string, { count: number; bytes: number }>();
  for (const file of Object.keys(require.cache)) {
    const area = areaOf(file);
    const entry = areas.get(area) ?? { count: 0, bytes: 0 };
    entry.count++;
    entry.bytes += sizeOf(file);
    areas.set(area, entry);
  }
  const modules = [...areas.entries()].map(([area, entry]) => ({ area, ...entry })).sort((a, b) => b.bytes - a.bytes);
  return { usage: process.memoryUsage(), heapSpaces, modules, threads: threadCount() };
}

/** The package a module file belongs to (`@scope/name` included), or where in this repository it lives. */
function areaOf(file: string): string {
  const match = /node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)/.exec(file.slice(file.lastIndexOf('node_modules')));
  if (match?.[1]) return match[1].replace(/\\/g, '/');
  if (/[\\/]dist[\\/]/.test(file)) return 'warren (dist/)';
  if (/[\\/]bench[\\/]/.test(file)) return 'bench/';
  return 'other';
}

function sizeOf(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

function threadCount(): number | undefined {
  try {
    return fs.readdirSync('/proc/self/task').length;
  } catch {
    return undefined;
  }
}

/** A full garbage collection without --expose-gc on the command line: the flag set at run time gives a fresh context its gc(). */
function fullGc(): void {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  gc();
}
