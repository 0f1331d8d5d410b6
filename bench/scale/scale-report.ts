/** The model of `npm run bench -- --scale`: small curves, Warren beside raw amqplib measured in the same run. */
export type ScaleSystem = 'warren' | 'raw';

export const SCALE_LABELS: Readonly<Record<ScaleSystem, string>> = { warren: 'Warren', raw: 'raw amqplib (+ bare piscina)' };

export interface ScalePoint {
  /** The scale (tasks queued, queues, bytes, processes, runtimes). */
  readonly x: number;
  readonly y: number;
}

export interface ScaleCurve {
  /** File-name safe: the chart is written as scale-<id>.svg. */
  readonly id: string;
  readonly scenario: string;
  readonly title: string;
  /** What x counts, and how to print one x. */
  readonly xLabel: string;
  readonly xFormat: 'count' | 'bytes';
  readonly unit: string;
  readonly better: 'higher' | 'lower';
  readonly digits: number;
  readonly series: Readonly<Partial<Record<ScaleSystem, readonly ScalePoint[]>>>;
}

export interface ScaleReport {
  readonly meta: {
    readonly generatedAt: string;
    readonly durationSec: number;
    readonly mode: 'quick' | 'full';
    readonly machineText: string;
    readonly loadAverage: { readonly atStart: readonly number[]; readonly atEnd: readonly number[] };
    readonly notes: readonly string[];
  };
  readonly curves: readonly ScaleCurve[];
  /** Per-point raw data (latencies left out; counts per runtime, RSS samples' peak, timings). */
  readonly details: ReadonlyArray<{ readonly scenario: string; readonly system: ScaleSystem; readonly x: number; readonly data: unknown }>;
}

/** Warren's y over raw's at the same x, or undefined when either is missing. */
export function ratioAt(curve: ScaleCurve, x: number): number | undefined {
  const warren = curve.series.warren?.find((point) => point.x === x)?.y;
  const raw = curve.series.raw?.find((point) => point.x === x)?.y;
  return warren === undefined || raw === undefined || raw === 0 ? undefined : warren / raw;
}

/** Every x either series has, in ascending order. */
export function xsOf(curve: ScaleCurve): number[] {
  const xs = new Set<number>();
  for (const points of Object.values(curve.series)) for (const point of points ?? []) xs.add(point.x);
  return [...xs].sort((a, b) => a - b);
}

/** 1 KB, 100 KB, 1 MB, 3 MB (binary units, as the sizes are chosen); counts with thousands separators. */
export function formatX(x: number, format: ScaleCurve['xFormat']): string {
  if (format === 'count') return x.toLocaleString('en-US');
  if (x >= 1024 * 1024) return `${+(x / (1024 * 1024)).toFixed(1)} MB`;
  if (x >= 1024) return `${+(x / 1024).toFixed(1)} KB`;
  return `${x} B`;
}

/** How y grows over the curve: last / first, per system (e.g. peak RSS from 10k to 500k queued). */
export function growth(curve: ScaleCurve, system: ScaleSystem): number | undefined {
  const points = curve.series[system];
  if (!points || points.length < 2) return undefined;
  const first = points[0]?.y;
  const last = points[points.length - 1]?.y;
  return first === undefined || last === undefined || first === 0 ? undefined : last / first;
}
