/**
 * Reading V8 CPU profiles (`node --cpu-prof`): the format, the time each node spent on CPU
 * itself, and where its code lives. Shared by the self-time summary and the flame graph.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number; readonly columnNumber: number };
  readonly hitCount?: number;
  readonly children?: readonly number[];
}

export interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
}

const ROOT = path.resolve(__dirname, '..', '..');

export function readCpuProfile(file: string): CpuProfile {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
}

/** Microseconds of self time per node id, from the samples' time deltas. */
export function selfMicros(profile: CpuProfile): Map<number, number> {
  const selfUs = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  // timeDeltas[i] is the time before sample i; attribute each interval to the sample that ends it.
  for (let i = 0; i < samples.length; i++) {
    const id = samples[i] as number;
    selfUs.set(id, (selfUs.get(id) ?? 0) + Math.max(0, deltas[i] ?? 0));
  }
  return selfUs;
}

/** Samples V8 takes while the thread waits, not on CPU. */
export function isIdle(node: ProfileNode): boolean {
  return node.callFrame.functionName === '(idle)';
}

export function functionName(node: ProfileNode): string {
  return node.callFrame.functionName || '(anonymous)';
}

/** `file:line`, relative to the repository when the code is ours; empty for native frames. */
export function whereOf(node: ProfileNode): string {
  const { url, lineNumber } = node.callFrame;
  return url ? `${shortPath(url)}:${lineNumber + 1}` : '';
}

/** The part of the code a frame belongs to: a Warren directory, a dependency, a Node module, V8. */
export function areaOf(node: ProfileNode): string {
  const name = node.callFrame.functionName;
  const url = node.callFrame.url;
  if (!url) return name.startsWith('(') ? name : '(native / V8 builtins)';
  const file = shortPath(url);
  const dependency = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file);
  if (dependency) return `dependency: ${dependency[1]}`;
  if (file.startsWith('node:')) return `node: ${file.slice('node:'.length).split('/')[0] ?? file}`;
  // The Warren server child runs compiled Warren (dist/, one directory per src/ directory).
  if (file.startsWith('src/') || file.startsWith('dist/')) return `warren: ${file.split('/').slice(0, 2).join('/')}`;
  if (file.startsWith('bench/')) return `bench: ${file}`;
  return file;
}

function shortPath(url: string): string {
  const file = url.startsWith('file://') ? url.slice('file://'.length) : url;
  return file.startsWith(ROOT) ? path.relative(ROOT, file) : file;
}
