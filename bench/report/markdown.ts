import { SYSTEM_LABELS, type SystemId } from '../results';
import type { BenchReport } from './bench-report';
import { formatNumber } from './format';

const CELERY: readonly SystemId[] = ['celery-prefork', 'celery-threads'];

/** The medians table (Markdown), as printed and as written to latest.md. */
export function medianTable(report: BenchReport): string {
  const celery = CELERY.filter((system) => report.figures.some((figure) => report.medians[figure.key]?.[system] !== undefined));
  const header = ['Figure (median of runs)', 'Unit', 'Warren', 'Baseline', 'Warren / baseline', ...celery.map((system) => SYSTEM_LABELS[system])];
  const rows = report.figures.map((figure) => {
    const row = report.medians[figure.key] ?? {};
    const shown = figure.baseline ?? figure.reference;
    const baseline = shown ? row[shown] : undefined;
    const baselineText = baseline === undefined || !shown ? '–' : `${formatNumber(baseline, figure.digits)} (${SYSTEM_LABELS[shown]})`;
    const ratio = report.ratios[figure.key];
    return [
      figure.label,
      figure.unit,
      formatNumber(row.warren, figure.digits),
      baselineText,
      ratio === undefined ? '–' : `${formatNumber(ratio, 2)}×`,
      ...celery.map((system) => formatNumber(row[system], figure.digits)),
    ];
  });
  const align = ['---', '---', ...header.slice(2).map(() => '---:')];
  return [header, align, ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

export function targetsList(report: BenchReport): string {
  return report.targets
    .map((target) => {
      const verdict = target.met === undefined ? (target.note ?? 'not measured') : target.met ? 'met' : 'MISSED';
      return `- ${target.name}: ${formatNumber(target.value, 2)} (target ${target.goal}): **${verdict}**`;
    })
    .join('\n');
}

/** Every repetition's value, so a reader can see the spread behind each median. */
export function samplesTable(report: BenchReport): string {
  const lines = ['| Figure | System | Runs |', '| --- | --- | --- |'];
  for (const figure of report.figures) {
    for (const [system, values] of Object.entries(report.samples[figure.key] ?? {}) as Array<[SystemId, number[]]>) {
      lines.push(`| ${figure.label} (${figure.unit}) | ${SYSTEM_LABELS[system]} | ${values.map((value) => formatNumber(value, figure.digits)).join(', ')} |`);
    }
  }
  return lines.join('\n');
}

export function markdownReport(report: BenchReport): string {
  const { meta } = report;
  return [
    `# Warren benchmark (${meta.mode}, ${meta.repetitions} runs per figure)`,
    '',
    `${meta.generatedAt}, ${meta.durationSec.toFixed(0)} s.`,
    '',
    `**Machine:** ${meta.machineText}`,
    '',
    `Load average (1/5/15 min) at start ${meta.loadAverage.atStart.map((value) => value.toFixed(2)).join(' / ')}, at end ${meta.loadAverage.atEnd.map((value) => value.toFixed(2)).join(' / ')}.`,
    '',
    medianTable(report),
    '',
    '## Targets',
    '',
    targetsList(report),
    '',
    '## How it was measured',
    '',
    ...meta.notes.map((note) => `- ${note}`),
    '',
    '## Every run',
    '',
    samplesTable(report),
    '',
  ].join('\n');
}
