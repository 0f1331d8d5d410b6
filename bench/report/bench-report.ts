import type { BenchOptions } from '../options';
import { FIGURES, ratioOf, type FigureDef, type FigureKey, type Medians, type ResultsCollector, type Samples } from '../results';
import type { MachineNote } from './machine';
import { checkTargets, type TargetCheck } from './targets';

/** Everything one run produced: what latest.json holds and the table and chart are drawn from. */
export interface BenchReport {
  readonly meta: {
    readonly generatedAt: string;
    readonly durationSec: number;
    readonly mode: BenchOptions['mode'];
    readonly repetitions: number;
    readonly options: BenchOptions;
    readonly machine: MachineNote;
    readonly machineText: string;
    readonly celery: string;
    /** 1/5/15-minute load averages when the bench started and ended: anything else running skews the figures. */
    readonly loadAverage: { readonly atStart: readonly number[]; readonly atEnd: readonly number[] };
    readonly notes: readonly string[];
  };
  readonly figures: readonly FigureDef[];
  /** One value per repetition, per figure and system. */
  readonly samples: Samples;
  /** The median of those. */
  readonly medians: Medians;
  /** Warren / baseline, of the medians. */
  readonly ratios: Partial<Record<FigureKey, number>>;
  readonly targets: readonly TargetCheck[];
  /** Per-repetition raw data: every latency, RSS samples, CPU timings, isolation backlog. */
  readonly details: ResultsCollector['details'];
}

export function buildReport(collector: ResultsCollector, meta: BenchReport['meta']): BenchReport {
  const medians = collector.medians();
  const ratios: Partial<Record<FigureKey, number>> = {};
  for (const figure of FIGURES) {
    const ratio = ratioOf(medians, figure);
    if (ratio !== undefined) ratios[figure.key] = ratio;
  }
  return { meta, figures: FIGURES, samples: collector.samples, medians, ratios, targets: checkTargets(medians), details: collector.details };
}
