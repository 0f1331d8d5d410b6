/**
 * Summarizes a V8 CPU profile (`node --cpu-prof`): the functions with the most self time, and self
 * time per package/source area. `node -r @swc-node/register bench/profile/top-self-time.ts <file.cpuprofile> [top]`
 */
import path from 'node:path';
import { areaOf, functionName, readCpuProfile, selfMicros, whereOf } from './cpu-profile';

export interface SelfTime {
  readonly name: string;
  readonly where: string;
  readonly ms: number;
  readonly percent: number;
}

/** Self time by function (name + location) and by area, from the samples' time deltas. */
export function summarizeProfile(file: string): { totalMs: number; functions: SelfTime[]; areas: SelfTime[] } {
  const profile = readCpuProfile(file);
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = selfMicros(profile);
  const totalUs = [...selfUs.values()].reduce((sum, value) => sum + value, 0) || 1;
  const functions = new Map<string, { name: string; where: string; us: number }>();
  const areas = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    const name = functionName(node);
    const where = whereOf(node);
    const key = `${name}@${where}`;
    const entry = functions.get(key) ?? { name, where, us: 0 };
    entry.us += us;
    functions.set(key, entry);
    const area = areaOf(node);
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

if (require.main === module) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: node -r @swc-node/register bench/profile/top-self-time.ts <file.cpuprofile> [top]\n');
    process.exit(2);
  }
  process.stdout.write(`${formatSummary(file, top ? Number(top) : 25)}\n`);
}
