import fs from 'node:fs';
import path from 'node:path';
import type { BenchReport } from './bench-report';
import { markdownReport } from './markdown';
import { svgChart } from './svg';

export const RESULTS_DIR = path.join(__dirname, '..', 'results');

/** Writes latest.json (all samples and medians), latest.md (the table) and latest.svg (the chart). */
export function writeResults(report: BenchReport, dir = RESULTS_DIR): { json: string; markdown: string; svg: string } {
  fs.mkdirSync(dir, { recursive: true });
  const files = { json: path.join(dir, 'latest.json'), markdown: path.join(dir, 'latest.md'), svg: path.join(dir, 'latest.svg') };
  fs.writeFileSync(files.json, `${JSON.stringify(report, roundNumbers, 2)}\n`);
  fs.writeFileSync(files.markdown, markdownReport(report));
  fs.writeFileSync(files.svg, svgChart(report));
  return files;
}

/** Microsecond resolution is plenty; keeps latest.json readable. */
function roundNumbers(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isInteger(value) ? Math.round(value * 1000) / 1000 : value;
}
