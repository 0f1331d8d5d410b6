import fs from 'node:fs';
import path from 'node:path';
import type { ScenarioResult } from './scenario';

export interface RunReport {
  readonly startedAt: string;
  readonly durationMs: number;
  readonly broker: string;
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
  readonly scenarios: readonly ScenarioResult[];
}

/** What the columns count. */
export const LEGEND =
  'sent: publishes the broker confirmed · completed: sent ids a job recorded as done · duplicated: sent ids done more than once ' +
  '("(0 req.)": no crash, so 0 is required) · dead-lettered: DLQ entries of sent ids · lost: sent ids neither done nor dead-lettered';

const COLUMNS = ['#', 'scenario', 'sent', 'completed', 'duplicated', 'dead-lettered', 'lost', 'time', 'result'] as const;

function row(index: number, result: ScenarioResult): string[] {
  const dup = `${result.duplicated}${result.duplicatesAllowed ? '' : ' (0 req.)'}`;
  return [
    String(index + 1),
    `${result.id}: ${result.title}`,
    String(result.sent),
    String(result.completed),
    dup,
    String(result.deadLettered),
    String(result.lost),
    seconds(result.durationMs),
    result.status.toUpperCase(),
  ];
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** The results table as fixed-width text. */
export function formatTable(results: readonly ScenarioResult[]): string {
  const rows = [COLUMNS.slice() as string[], ...results.map((result, i) => row(i, result))];
  const widths = COLUMNS.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  const numeric = new Set([0, 2, 3, 4, 5, 6, 7]);
  const line = (cells: string[]) => cells.map((cell, c) => (numeric.has(c) ? cell.padStart(widths[c] ?? 0) : cell.padEnd(widths[c] ?? 0))).join('  ');
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(rows[0] ?? []), rule, ...rows.slice(1).map(line)].join('\n');
}

/** Why each scenario failed, and what it noted. */
export function formatDetails(results: readonly ScenarioResult[]): string {
  const out: string[] = [];
  for (const result of results) {
    if (result.failures.length === 0 && result.notes.length === 0) continue;
    out.push(`${result.id} (${result.status}):`);
    for (const failure of result.failures) out.push(`  FAIL  ${failure.replace(/\n/g, '\n        ')}`);
    for (const note of result.notes) out.push(`  note  ${note}`);
  }
  return out.join('\n');
}

function markdown(report: RunReport): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const lines = [
    `# Fault suite: ${report.passed} passed, ${report.failed} failed${report.skipped ? `, ${report.skipped} skipped` : ''}`,
    '',
    `Run at ${report.startedAt} on ${report.broker}, ${seconds(report.durationMs)} in all.`,
    '',
    `| ${COLUMNS.join(' | ')} |`,
    `| ${COLUMNS.map((_, c) => (c === 1 || c === 8 ? '---' : '---:')).join(' | ')} |`,
    ...report.scenarios.map((result, i) => `| ${row(i, result).map(cell).join(' | ')} |`),
    '',
    LEGEND,
    '',
  ];
  for (const result of report.scenarios) {
    if (result.failures.length === 0 && result.notes.length === 0) continue;
    lines.push(`## ${result.id}: ${result.status}`, '');
    for (const failure of result.failures) lines.push(`- **FAIL** ${cell(failure)}`);
    for (const note of result.notes) lines.push(`- ${cell(note)}`);
    lines.push('');
  }
  return lines.join('\n');
}

/** Writes `latest.json` and `latest.md` into `dir`. */
export function writeReport(dir: string, report: RunReport): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
  fs.writeFileSync(path.join(dir, 'latest.md'), markdown(report));
}
