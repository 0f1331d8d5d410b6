import { formatNumber } from '../report/format';
import { SCALE_LABELS, formatX, ratioAt, xsOf, type ScaleCurve, type ScaleReport, type ScaleSystem } from './scale-report';

const SYSTEMS: readonly ScaleSystem[] = ['warren', 'raw'];

/** One curve as a Markdown table: x, Warren, raw, Warren / raw. */
export function curveTable(curve: ScaleCurve): string {
  const header = [curve.xLabel, ...SYSTEMS.map((system) => `${SCALE_LABELS[system]} (${curve.unit})`), 'Warren / raw'];
  const rows = xsOf(curve).map((x) => {
    const value = (system: ScaleSystem): string => formatNumber(curve.series[system]?.find((point) => point.x === x)?.y, curve.digits);
    const ratio = ratioAt(curve, x);
    return [formatX(x, curve.xFormat), ...SYSTEMS.map(value), ratio === undefined ? '–' : `${formatNumber(ratio, 2)}×`];
  });
  const align = ['---', ...header.slice(1).map(() => '---:')];
  return [header, align, ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

export function scaleMarkdown(report: ScaleReport): string {
  const { meta } = report;
  const sections = report.curves.flatMap((curve) => [`### ${curve.title} (${curve.better} is better)`, '', curveTable(curve), '']);
  return [
    `# Warren scale curves (${meta.mode})`,
    '',
    `${meta.generatedAt}, ${meta.durationSec.toFixed(0)} s. One run per point; Warren and raw amqplib alternate going first.`,
    '',
    `**Machine:** ${meta.machineText}`,
    '',
    `Load average (1/5/15 min) at start ${meta.loadAverage.atStart.map((value) => value.toFixed(2)).join(' / ')}, at end ${meta.loadAverage.atEnd.map((value) => value.toFixed(2)).join(' / ')}.`,
    '',
    ...sections,
    '## How it was measured',
    '',
    ...meta.notes.map((note) => `- ${note}`),
    '',
  ].join('\n');
}
