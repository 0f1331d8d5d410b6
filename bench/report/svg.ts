import { SYSTEM_LABELS, type FigureKey, type SystemId } from '../results';
import type { BenchReport } from './bench-report';
import { formatNumber } from './format';

const COLORS: Readonly<Record<SystemId, string>> = {
  warren: '#2f6fde',
  raw: '#8a8f98',
  piscina: '#6d7580',
  serial: '#b0b4ba',
  empty: '#d9d9d9',
  'celery-prefork': '#3c9a5f',
  'celery-threads': '#86c49a',
};

interface Bar {
  readonly label: string;
  readonly value: number;
  readonly color: string;
}

interface Panel {
  readonly title: string;
  /** Shown right of the title, e.g. the Warren / baseline ratio. */
  readonly note?: string;
  readonly unit: string;
  readonly digits: number;
  readonly bars: readonly Bar[];
}

const WIDTH = 900;
const LABEL_WIDTH = 250;
const VALUE_WIDTH = 110;
const BAR_HEIGHT = 20;
const BAR_GAP = 6;
const PANEL_TOP = 34;
const PANEL_BOTTOM = 18;

/** A hand-written SVG: one horizontal bar panel per figure group, medians, Warren in blue. */
export function svgChart(report: BenchReport): string {
  const panels = buildPanels(report).filter((panel) => panel.bars.length > 0);
  const header = 64;
  let y = header;
  const parts: string[] = [];
  for (const panel of panels) {
    parts.push(drawPanel(panel, y));
    y += panelHeight(panel);
  }
  const height = y + 10;
  const subtitle = `${report.meta.mode} run, median of ${report.meta.repetitions} runs, ${report.meta.generatedAt}`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="Helvetica, Arial, sans-serif">`,
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    `<text x="20" y="28" font-size="20" font-weight="bold" fill="#222">Warren vs baseline</text>`,
    `<text x="20" y="48" font-size="12" fill="#555">${escapeXml(subtitle)}</text>`,
    `<text x="20" y="${height - 6}" font-size="10" fill="#777">${escapeXml(report.meta.machineText)}</text>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}

function buildPanels(report: BenchReport): Panel[] {
  const median = (key: FigureKey, system: SystemId): number | undefined => report.medians[key]?.[system];
  const bars = (key: FigureKey, systems: readonly SystemId[]): Bar[] =>
    systems.flatMap((system) => {
      const value = median(key, system);
      return value === undefined ? [] : [{ label: SYSTEM_LABELS[system], value, color: COLORS[system] }];
    });
  const pairs = (entries: ReadonlyArray<[string, FigureKey, SystemId, string?]>): Bar[] =>
    entries.flatMap(([label, key, system, color]) => {
      const value = median(key, system);
      return value === undefined ? [] : [{ label, value, color: color ?? COLORS[system] }];
    });
  const ratio = (key: FigureKey, label = 'Warren / raw'): string | undefined => {
    const value = report.ratios[key];
    return value === undefined ? undefined : `${label} ${formatNumber(value, 2)}×`;
  };
  const all: SystemId[] = ['warren', 'raw', 'celery-prefork', 'celery-threads'];
  return [
    { title: '1. I/O no-op throughput (higher is better)', note: ratio('io.tasksPerSec'), unit: 'tasks/s', digits: 0, bars: bars('io.tasksPerSec', all) },
    { title: '2. RPC throughput, 100 in flight (higher is better)', note: ratio('rpc.callsPerSec'), unit: 'calls/s', digits: 0, bars: bars('rpc.callsPerSec', all) },
    {
      title: '3. CPU throughput, fib kernel (higher is better)',
      note: ratio('cpu.tasksPerSec', 'Warren / bare piscina'),
      unit: 'tasks/s',
      digits: 1,
      bars: pairs([
        ['Warren', 'cpu.tasksPerSec', 'warren'],
        ['raw amqplib + bare piscina', 'cpu.tasksPerSec', 'piscina'],
        ['serial, 1 thread', 'cpu.serialTasksPerSec', 'serial'],
      ]),
    },
    { title: '2. RPC latency p50, 1 in flight (lower is better)', note: ratio('rpc.p50Ms'), unit: 'ms', digits: 3, bars: bars('rpc.p50Ms', all) },
    { title: '2. RPC latency p99, 1 in flight (lower is better)', note: ratio('rpc.p99Ms'), unit: 'ms', digits: 3, bars: bars('rpc.p99Ms', all) },
    {
      title: '4. I/O RPC p99 with the CPU queue idle / saturated (lower is better)',
      note: report.medians['iso.satOverFloor']?.warren === undefined ? undefined : `Warren saturated / floor ${formatNumber(report.medians['iso.satOverFloor']?.warren, 2)}×`,
      unit: 'ms',
      digits: 3,
      bars: pairs([
        ['Warren, CPU idle', 'iso.idleP99Ms', 'warren', '#7fa6ee'],
        ['Warren, CPU saturated', 'iso.satP99Ms', 'warren'],
        ['Warren idle, SCHED_IDLE hog (floor)', 'iso.idleHogP99Ms', 'warren', '#a9c1f0'],
        ['raw amqplib, CPU idle', 'iso.idleP99Ms', 'raw', '#c2c5ca'],
        ['raw amqplib, kernel inline, saturated', 'iso.satP99Ms', 'raw'],
        ['raw amqplib, unrelated CPU hog', 'iso.hogP99Ms', 'raw', '#5f646b'],
      ]),
    },
    {
      title: '5. Server RSS (lower is better)',
      unit: 'MB',
      digits: 1,
      bars: pairs([
        ['Warren, idle', 'mem.idleMb', 'warren', '#7fa6ee'],
        ['Warren, under load', 'mem.loadMb', 'warren'],
        ['raw amqplib, idle', 'mem.idleMb', 'raw', '#c2c5ca'],
        ['raw amqplib, under load', 'mem.loadMb', 'raw'],
        ['empty process, loader only', 'mem.floorMb', 'empty'],
      ]),
    },
  ];
}

function panelHeight(panel: Panel): number {
  return PANEL_TOP + panel.bars.length * (BAR_HEIGHT + BAR_GAP) + PANEL_BOTTOM;
}

function drawPanel(panel: Panel, top: number): string {
  const max = Math.max(...panel.bars.map((bar) => bar.value), Number.MIN_VALUE);
  const span = WIDTH - LABEL_WIDTH - VALUE_WIDTH - 20;
  const out = [`<g transform="translate(0 ${top})">`, `<text x="20" y="20" font-size="14" font-weight="bold" fill="#222">${escapeXml(panel.title)}</text>`];
  if (panel.note) out.push(`<text x="${WIDTH - 20}" y="20" font-size="12" text-anchor="end" fill="#2f6fde">${escapeXml(panel.note)}</text>`);
  panel.bars.forEach((bar, index) => {
    const y = PANEL_TOP + index * (BAR_HEIGHT + BAR_GAP);
    const width = Math.max(1, (bar.value / max) * span);
    out.push(
      `<text x="${LABEL_WIDTH - 8}" y="${y + 14}" font-size="12" text-anchor="end" fill="#333">${escapeXml(bar.label)}</text>`,
      `<rect x="${LABEL_WIDTH}" y="${y}" width="${width.toFixed(1)}" height="${BAR_HEIGHT}" fill="${bar.color}" rx="2"/>`,
      `<text x="${(LABEL_WIDTH + width + 6).toFixed(1)}" y="${y + 14}" font-size="12" fill="#222">${escapeXml(`${formatNumber(bar.value, panel.digits)} ${panel.unit}`)}</text>`,
    );
  });
  out.push('</g>');
  return out.join('\n');
}

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
