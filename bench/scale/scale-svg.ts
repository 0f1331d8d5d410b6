import { formatNumber } from '../report/format';
import { escapeXml } from '../report/svg';
import { SCALE_LABELS, formatX, xsOf, type ScaleCurve, type ScaleReport, type ScaleSystem } from './scale-report';

const COLORS: Readonly<Record<ScaleSystem, string>> = { warren: '#2f6fde', raw: '#8a8f98' };
const WIDTH = 440;
const HEIGHT = 260;
const PLOT = { left: 64, right: 32, top: 44, bottom: 52 };

/**
 * One curve as a hand-written SVG line chart: the scales as evenly spaced categories on x (they
 * grow by factors, and the point is the shape between them), y from zero, Warren in blue.
 */
export function curveSvg(curve: ScaleCurve, caption = ''): string {
  return [svgOpen(WIDTH, HEIGHT), `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`, chartBody(curve, caption), '</svg>', ''].join('\n');
}

/** Every curve of the report in one SVG, two charts a row. */
export function scaleSvg(report: ScaleReport): string {
  const columns = 2;
  const rows = Math.ceil(report.curves.length / columns);
  const header = 50;
  const width = WIDTH * columns;
  const height = header + rows * HEIGHT + 20;
  const charts = report.curves.map((curve, index) => `<g transform="translate(${(index % columns) * WIDTH} ${header + Math.floor(index / columns) * HEIGHT})">${chartBody(curve, '')}</g>`);
  return [
    svgOpen(width, height),
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="16" y="26" font-size="18" font-weight="bold" fill="#222">How cost grows: Warren vs raw amqplib</text>`,
    `<text x="16" y="42" font-size="11" fill="#555">${escapeXml(`${report.meta.mode} run, ${report.meta.generatedAt}`)}</text>`,
    ...charts,
    `<text x="16" y="${height - 6}" font-size="10" fill="#777">${escapeXml(report.meta.machineText)}</text>`,
    '</svg>',
    '',
  ].join('\n');
}

function svgOpen(width: number, height: number): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif">`;
}

function chartBody(curve: ScaleCurve, caption: string): string {
  const xs = xsOf(curve);
  const plotWidth = WIDTH - PLOT.left - PLOT.right;
  const plotHeight = HEIGHT - PLOT.top - PLOT.bottom;
  const values = Object.values(curve.series).flatMap((points) => (points ?? []).map((point) => point.y));
  const max = niceMax(Math.max(...values, Number.MIN_VALUE));
  const xAt = (x: number): number => PLOT.left + (xs.length <= 1 ? plotWidth / 2 : (xs.indexOf(x) / (xs.length - 1)) * plotWidth);
  const yAt = (y: number): number => PLOT.top + plotHeight - (y / max) * plotHeight;
  const out: string[] = [
    `<text x="12" y="18" font-size="13" font-weight="bold" fill="#222">${escapeXml(curve.title)}</text>`,
    `<text x="12" y="34" font-size="11" fill="#555">${escapeXml(`${curve.unit}, ${curve.better} is better${caption ? `; ${caption}` : ''}`)}</text>`,
  ];
  for (let tick = 0; tick <= 4; tick++) {
    const y = yAt((max * tick) / 4);
    out.push(
      `<line x1="${PLOT.left}" y1="${y.toFixed(1)}" x2="${WIDTH - PLOT.right}" y2="${y.toFixed(1)}" stroke="#e4e4e4"/>`,
      `<text x="${PLOT.left - 6}" y="${(y + 4).toFixed(1)}" font-size="10" text-anchor="end" fill="#555">${escapeXml(formatNumber((max * tick) / 4, max >= 100 ? 0 : max >= 10 ? 1 : 2))}</text>`,
    );
  }
  for (const x of xs) {
    out.push(`<text x="${xAt(x).toFixed(1)}" y="${HEIGHT - PLOT.bottom + 16}" font-size="10" text-anchor="middle" fill="#555">${escapeXml(formatX(x, curve.xFormat))}</text>`);
  }
  out.push(`<text x="${PLOT.left + plotWidth / 2}" y="${HEIGHT - PLOT.bottom + 32}" font-size="10" text-anchor="middle" fill="#555">${escapeXml(curve.xLabel)}</text>`);
  (['raw', 'warren'] as const).forEach((system) => {
    const points = curve.series[system];
    if (!points || points.length === 0) return;
    const path = points.map((point, index) => `${index === 0 ? 'M' : 'L'}${xAt(point.x).toFixed(1)},${yAt(point.y).toFixed(1)}`).join(' ');
    out.push(`<path d="${path}" fill="none" stroke="${COLORS[system]}" stroke-width="2"/>`);
    for (const point of points) {
      out.push(`<circle cx="${xAt(point.x).toFixed(1)}" cy="${yAt(point.y).toFixed(1)}" r="3" fill="${COLORS[system]}"><title>${escapeXml(`${SCALE_LABELS[system]}: ${formatNumber(point.y, curve.digits)} ${curve.unit} at ${formatX(point.x, curve.xFormat)}`)}</title></circle>`);
    }
  });
  const legendY = HEIGHT - 6;
  (['warren', 'raw'] as const).forEach((system, index) => {
    const x = PLOT.left + index * 170;
    out.push(`<rect x="${x}" y="${legendY - 9}" width="12" height="3" fill="${COLORS[system]}"/>`, `<text x="${x + 16}" y="${legendY - 4}" font-size="10" fill="#333">${escapeXml(SCALE_LABELS[system])}</text>`);
  });
  return out.join('\n');
}

/** 1, 2 or 5 times a power of ten, at least `value`: round grid lines. */
export function niceMax(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (value <= step * power) return step * power;
  return 10 * power;
}
