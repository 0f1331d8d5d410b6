/**
 * Summarizes a V8 CPU profile (`node --cpu-prof`): the functions with the most self time, and self
 * time per package/source area. `node -r @swc-node/register bench/profile/top-self-time.ts <file.cpuprofile> [top]`
 */
import fs from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number; readonly columnNumber: number };
  readonly hitCount?: number;
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
}

export interface SelfTime {
  readonly name: string;
  readonly where: string;
  readonly ms: number;
  readonly percent: number;
}

const ROOT = path.resolve(__dirname, '..', '..');

/** Self time by function (name + location) and by area, from the samples' time deltas. */
export function summarizeProfile(file: string): { totalMs: number; functions: SelfTime[]; areas: SelfTime[] } {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  // timeDeltas[i] is the time before sample i; attribute each interval to the sample that ends it.
  for (let i = 0; i < samples.length; i++) {
    const id = samples[i] as number;
    selfUs.set(id, (selfUs.get(id) ?? 0) + Math.max(0, deltas[i] ?? 0));
  }
  const totalUs = [...selfUs.values()].reduce((sum, value) => sum + value, 0) || 1;
  const functions = new Map<string, { name: string; where: string; us: number }>();
  const areas = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const name = functionName || '(anonymous)';
    const where = url ? `${shortPath(url)}:${lineNumber + 1}` : '';
    const key = `${name}@${where}`;
    const entry = functions.get(key) ?? { name, where, us: 0 };
    entry.us += us;
    functions.set(key, entry);
    const area = areaOf(name, url);
    areas.set(area, (areas.get(area) ?? 0) + us);
  }
  const toRows = (rows: Array<{ name: string; where: string; us: number }>): SelfTime[] =>
    rows.sort((a, b) => b.us - a.us).map((row) => ({ name: row.name, where: row.where, ms: row.us / 1000, percent: (row.us / totalUs) * 100 }));
  return {
    totalMs: totalUs / 1000,
    functions: toRows([...functions.values()]),
    areas: toRows([...areas].map(([name, us]) => ({ name, where: '', us }))),
  };
}

export function formatSummary(file: string, top = 25): string {
  const { totalMs, functions, areas } = summarizeProfile(file);
  const busy = functions.filter((row) => row.name !== '(idle)' && row.name !== '(program)');
  const busyMs = busy.reduce((sum, row) => sum + row.ms, 0);
  const lines = [`${path.basename(file)}: ${totalMs.toFixed(0)} ms sampled, ${busyMs.toFixed(0)} ms not idle`, '', 'self time by area:'];
  for (const area of areas.slice(0, 14)) lines.push(`  ${area.ms.toFixed(1).padStart(9)} ms ${area.percent.toFixed(1).padStart(5)}%  ${area.name}`);
  lines.push('', `top ${top} functions by self time:`);
  for (const row of functions.slice(0, top)) lines.push(`  ${row.ms.toFixed(1).padStart(9)} ms ${row.percent.toFixed(1).padStart(5)}%  ${row.name}  ${row.where}`);
  return lines.join('\n');
}

function shortPath(url: string): string {
  const file = url.startsWith('file://') ? url.slice('file://'.length) : url;
  return file.startsWith(ROOT) ? path.relative(ROOT, file) : file;
}

function areaOf(name: string, url: string): string {
  if (!url) return name.startsWith('(') ? name : '(native / V8 builtins)';
  const file = shortPath(url);
  const dependency = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file);
  if (dependency) return `dependency: ${dependency[1]}`;
  if (file.startsWith('node:')) return `node: ${file.slice('node:'.length).split('/')[0] ?? file}`;
  if (file.startsWith('src/')) return `warren: ${file.split('/').slice(0, 2).join('/')}`;
  if (file.startsWith('bench/')) return `bench: ${file}`;
  return file;
}

if (require.main === module) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: node -r @swc-node/register bench/profile/top-self-time.ts <file.cpuprofile> [top]\n');
    process.exit(2);
  }
  process.stdout.write(`${formatSummary(file, top ? Number(top) : 25)}\n`);
}
