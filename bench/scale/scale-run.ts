import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { BrokerAdmin } from '../admin';
import { openBroker } from '../broker';
import { buildWarren } from '../build-warren';
import type { Cleanup } from '../cleanup';
import { print, say } from '../log';
import type { BenchOptions } from '../options';
import { formatMachineNote, machineNote } from '../report/machine';
import { RESULTS_DIR } from '../report/write-results';
import { ROOT } from '../servers/server-process';
import { argumentSizeCurves } from './argument-size';
import { backlogCurves } from './backlog';
import { callerCurves } from './callers';
import { queueCurves } from './queues';
import { runtimeCurves } from './runtimes';
import { CPU_THREADS, type ScaleContext } from './scale-context';
import { curveTable, scaleMarkdown } from './scale-markdown';
import { scaleOptions, type ScaleOptions } from './scale-options';
import type { ScaleCurve, ScaleReport } from './scale-report';
import { curveSvg, scaleSvg } from './scale-svg';

const SCENARIOS: ReadonlyArray<[string, (context: ScaleContext) => Promise<ScaleCurve[]>]> = [
  ['backlog', backlogCurves],
  ['queues', queueCurves],
  ['arguments', argumentSizeCurves],
  ['callers', callerCurves],
  ['runtimes', runtimeCurves],
];

/** `npm run bench -- --scale [--quick] [--backlog LIST]`: every curve, then bench/results/scale.{json,md,svg} and scale-<curve>.svg. */
export async function runScale(benchOptions: BenchOptions, cleanup: Cleanup): Promise<number> {
  const started = Date.now();
  const loadAtStart = os.loadavg();
  const options = scaleOptions(benchOptions);
  const runId = `scale-${Date.now().toString(36)}-${randomBytes(2).toString('hex')}`;
  say(`scale ${options.mode} run ${runId}: backlog ${options.backlogSizes.join(', ')}; queues ${options.queueCounts.join(', ')}; callers ${options.clientCounts.join(', ')}; runtimes ${options.runtimeCounts.join(', ')}`);
  if ((loadAtStart[0] ?? 0) > 0.7) say(`warning: load average ${loadAtStart.map((value) => value.toFixed(2)).join(' / ')} before the bench started: other work on this machine will skew the figures`);
  say('building compiled Warren for the server children: npm run build (src/ to dist/)');
  await buildWarren(ROOT);
  const broker = await openBroker((line) => say(line));
  const forgetBroker = cleanup.add('rabbitmq node', () => broker.stop());
  const admin = await BrokerAdmin.connect(broker.url);
  try {
    const machineText = formatMachineNote(machineNote(admin.serverVersion(), broker.node ? `throwaway node ${broker.node.nodeName}` : 'WARREN_BROKER_URL', 'not used'));
    const context: ScaleContext = { url: broker.url, admin, node: broker.node, runId, cleanup, options, details: [] };
    const curves: ScaleCurve[] = [];
    const unknown = (benchOptions.curves ?? []).filter((name) => !SCENARIOS.some(([known]) => known === name));
    if (unknown.length > 0) throw new Error(`--curves: no curve ${unknown.join(', ')} (there are ${SCENARIOS.map(([name]) => name).join(', ')})`);
    for (const [name, scenario] of SCENARIOS) {
      if (benchOptions.curves && !benchOptions.curves.includes(name)) continue;
      say(`scale: ${name}`);
      curves.push(...(await scenario(context)));
    }
    const report: ScaleReport = {
      meta: { generatedAt: new Date().toISOString(), durationSec: (Date.now() - started) / 1000, mode: options.mode, machineText, loadAverage: { atStart: loadAtStart, atEnd: os.loadavg() }, notes: scaleNotes(options) },
      curves,
      details: context.details,
    };
    const files = writeScaleResults(report);
    for (const curve of curves) {
      print('');
      print(`${curve.title} (${curve.unit}, ${curve.better} is better)`);
      print(curveTable(curve));
    }
    say(`done in ${((Date.now() - started) / 1000).toFixed(0)} s; results written to:`);
    for (const file of files) print(`  ${path.relative(process.cwd(), file)}`);
    return 0;
  } finally {
    await admin.close();
    await broker.stop();
    forgetBroker();
  }
}

export function writeScaleResults(report: ScaleReport, dir = RESULTS_DIR): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const files = [path.join(dir, 'scale.json'), path.join(dir, 'scale.md'), path.join(dir, 'scale.svg')];
  fs.writeFileSync(files[0] as string, `${JSON.stringify(report, (_key, value: unknown) => (typeof value === 'number' && !Number.isInteger(value) ? Math.round(value * 1000) / 1000 : value), 2)}\n`);
  fs.writeFileSync(files[1] as string, scaleMarkdown(report));
  fs.writeFileSync(files[2] as string, scaleSvg(report));
  for (const curve of report.curves) {
    const file = path.join(dir, `scale-${curve.id}.svg`);
    fs.writeFileSync(file, curveSvg(curve, `${report.meta.mode} run`));
    files.push(file);
  }
  return files;
}

function scaleNotes(options: ScaleOptions): string[] {
  return [
    `One run per point (curves, not medians): read the shape, and Warren beside raw amqplib at the same point, measured minutes apart at most. Warren and raw alternate going first from point to point (the argument-size curve runs Warren's server, then raw's).`,
    `The raw side is bench/baseline/raw-server.ts with a bare piscina pool of ${CPU_THREADS} threads (as many as Warren's CPU pool), the same prefetch (I/O 100, CPU ${2 * CPU_THREADS}) and the same broker work as the targets run; both under \`node --require warren/register\`, Warren compiled (dist/).`,
    `Backlog (${options.backlogSizes.join(', ')}): no-op tasks published (persistent, confirmed) while no server runs, then a fresh server drains them; drain rate = tasks / (last completion − first completion) in the server's own clock; peak RSS sampled every 50 ms until drained.`,
    `Queues (${options.queueCounts.join(', ')}): that many extra one-task queues besides the bench's two (bench/jobs/scale-jobs.ts; the raw server declares and consumes as many, one channel each, in turn). Start-up: the child's own time from its main() to serving every queue (Warren: loadConfig + Runtime.start). Channels: rabbitmqctl list_connections, after start minus before. Idle CPU over ${options.idleCpuMs} ms, 500 ms after start.`,
    `Argument size (${options.argumentSizes.join(', ')} bytes): one string argument, the task returns its length; round trip p50 of sequential calls (calls per size: ${options.argumentBudgetBytes / (1024 * 1024)} MB over the size, 10 to 400), then throughput with ${2 * CPU_THREADS} in flight. To the CPU pool: Warren's CPU pool or the bare piscina pool (a structured clone into the thread each way).`,
    `Callers (${options.clientCounts.join(', ')} processes): each a \`node --require warren/register\` child with one caller (Warren: compiled Warren's typed proxies), ${options.callsPerClient} sequential echo calls each on a common "go"; throughput = all calls / time from go to the last; p99 over every call; start-and-connect time from the first spawn to the last ready.`,
    `Runtimes (${options.runtimeCounts.join(', ')}): that many servers on the same namespace (the same queues), ${options.sharedTasks.toLocaleString('en-US')} no-op tasks published; evenness = the fewest tasks any server ran / the most; throughput from the first publish to the last completion (counts polled every 20 ms).`,
  ];
}
