/**
 * A flame graph of a V8 CPU profile as a standalone SVG: one box per call path, as wide as the
 * CPU time spent in it and everything it called, callers below their callees. Waiting time
 * ("(idle)") is left out, so the width is time on CPU. Hover a box for its time and file.
 * `node -r @swc-node/register bench/profile/flame-graph.ts <file.cpuprofile> [out.svg]`
 *
 * Written here rather than taken from a package: the flame graph tools on npm (0x, clinic flame)
 * run the process themselves or render in a browser app, and `npm run bench -- --profile` already
 * has the profiles; what it needs is one file a person can open, in the bench's own SVG style.
 */
import fs from 'node:fs';
import path from 'node:path';
import { escapeXml } from '../report/svg';
import { areaOf, functionName, isIdle, readCpuProfile, selfMicros, whereOf, type CpuProfile, type ProfileNode } from './cpu-profile';

export interface FlameFrame {
  readonly name: string;
  readonly where: string;
  readonly area: string;
  /** 0 for the root ("all"), then one per call level. */
  readonly depth: number;
  /** Offset from the left and width, in microseconds of CPU time. */
  readonly startUs: number;
  readonly us: number;
}

export interface FlameLayout {
  readonly totalUs: number;
  readonly frames: readonly FlameFrame[];
  readonly maxDepth: number;
}

/**
 * Pure: the boxes of the flame graph. Children sit left to right by name, as in Brendan Gregg's
 * flame graphs (the x axis is not time order). Paths under `minShare` of the total are dropped,
 * with everything above them, to keep the file small and legible.
 */
export function layoutFlameGraph(profile: CpuProfile, minShare = 0.001): FlameLayout {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = selfMicros(profile);
  const totals = new Map<number, number>();
  const totalOf = (node: ProfileNode): number => {
    const known = totals.get(node.id);
    if (known !== undefined) return known;
    let us = isIdle(node) ? 0 : (self.get(node.id) ?? 0);
    for (const childId of node.children ?? []) {
      const child = byId.get(childId);
      if (child) us += totalOf(child);
    }
    totals.set(node.id, us);
    return us;
  };
  const root = profile.nodes[0];
  if (!root) return { totalUs: 0, frames: [], maxDepth: 0 };
  const totalUs = totalOf(root);
  const frames: FlameFrame[] = [];
  let maxDepth = 0;
  const place = (node: ProfileNode, depth: number, startUs: number): void => {
    const us = totals.get(node.id) ?? 0;
    if (us <= 0 || us < totalUs * minShare) return;
    maxDepth = Math.max(maxDepth, depth);
    frames.push({ name: depth === 0 ? 'all' : functionName(node), where: whereOf(node), area: depth === 0 ? 'all' : areaOf(node), depth, startUs, us });
    const children = (node.children ?? []).map((id) => byId.get(id)).filter((child): child is ProfileNode => child !== undefined);
    children.sort((a, b) => functionName(a).localeCompare(functionName(b)));
    let offset = startUs;
    for (const child of children) {
      place(child, depth + 1, offset);
      offset += totals.get(child.id) ?? 0;
    }
  };
  place(root, 0, 0);
  return { totalUs, frames, maxDepth };
}

const WIDTH = 1200;
const FRAME_HEIGHT = 16;
const TOP = 44;
const CHAR_WIDTH = 6.6;

export function flameGraphSvg(layout: FlameLayout, title: string): string {
  const height = TOP + (layout.maxDepth + 1) * FRAME_HEIGHT + 10;
  const scale = layout.totalUs > 0 ? (WIDTH - 20) / layout.totalUs : 0;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="Menlo, Consolas, monospace" font-size="11">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="10" y="20" font-size="15" font-family="sans-serif">${escapeXml(title)}</text>`,
    `<text x="10" y="36" font-size="11" font-family="sans-serif" fill="#555">${(layout.totalUs / 1000).toFixed(0)} ms on CPU; width = CPU time of a function and what it called; callers below; hover for details</text>`,
  ];
  for (const frame of layout.frames) {
    const x = 10 + frame.startUs * scale;
    const width = frame.us * scale;
    const y = height - 10 - (frame.depth + 1) * FRAME_HEIGHT;
    const share = layout.totalUs > 0 ? (frame.us / layout.totalUs) * 100 : 0;
    const tooltip = `${frame.name}${frame.where ? ` (${frame.where})` : ''}: ${(frame.us / 1000).toFixed(1)} ms, ${share.toFixed(1)} %`;
    const chars = Math.floor((width - 6) / CHAR_WIDTH);
    const label = chars >= 3 ? (frame.name.length > chars ? `${frame.name.slice(0, chars - 1)}…` : frame.name) : '';
    out.push(
      `<g><title>${escapeXml(tooltip)}</title><rect x="${x.toFixed(2)}" y="${y}" width="${Math.max(0.5, width - 0.5).toFixed(2)}" height="${FRAME_HEIGHT - 1}" fill="${colorOf(frame)}"/>` +
        (label ? `<text x="${(x + 3).toFixed(2)}" y="${y + 11}">${escapeXml(label)}</text>` : '') +
        '</g>',
    );
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

/** Warren's code in warm orange, dependencies in yellow, Node in blue, V8 and the rest in grey. */
function colorOf(frame: FlameFrame): string {
  const shade = hash(frame.name) % 30;
  if (frame.area.startsWith('warren:')) return `hsl(${20 + shade / 2}, 85%, ${58 + shade / 3}%)`;
  if (frame.area.startsWith('dependency:')) return `hsl(${45 + shade / 2}, 80%, ${60 + shade / 3}%)`;
  if (frame.area.startsWith('node:')) return `hsl(${205 + shade / 2}, 55%, ${70 + shade / 4}%)`;
  if (frame.area.startsWith('bench:')) return `hsl(${120 + shade / 2}, 40%, ${68 + shade / 4}%)`;
  return `hsl(0, 0%, ${72 + shade / 3}%)`;
}

function hash(text: string): number {
  let value = 0;
  for (let i = 0; i < text.length; i++) value = (value * 31 + text.charCodeAt(i)) >>> 0;
  return value;
}

/** Writes `<profile>.flame.svg` beside the profile (or to `out`) and returns its path. */
export function writeFlameGraph(file: string, out = file.replace(/\.cpuprofile$/, '') + '.flame.svg'): string {
  const layout = layoutFlameGraph(readCpuProfile(file));
  fs.writeFileSync(out, flameGraphSvg(layout, path.basename(file)));
  return out;
}

if (require.main === module) {
  const [file, out] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: node -r @swc-node/register bench/profile/flame-graph.ts <file.cpuprofile> [out.svg]\n');
    process.exit(2);
  }
  process.stdout.write(`${writeFlameGraph(file, out)}\n`);
}
