/**
 * `npm run test:faults [-- <scenario id filter>...]`
 *
 * Fault injection against real processes: a throwaway RabbitMQ node (or the runner's, through
 * WARREN_TEST_BROKER_URL and WARREN_TEST_RABBIT_*), `warren start` child processes serving the
 * jobs in test/faults/jobs, and faults: SIGKILL, SIGTERM, the broker stopping, connections
 * closed, hung, crashing and poisonous tasks, hostile messages. Each scenario counts its tasks
 * (sent = confirmed by the broker; completed = recorded by the job; dead-lettered = in a DLQ;
 * lost = neither) and checks its own expectations.
 *
 * Prints the table and `N passed, M failed`; writes test/faults/results/latest.{json,md};
 * exits 1 if any scenario failed.
 *
 * `npm run test:faults -- --cluster [<id>...]` runs the cluster scenarios instead
 * (scenarios/cluster.ts): quorum queues (WARREN_FAULT_QUEUE_TYPE=quorum) on a three-node cluster,
 * the runner's (WARREN_TEST_CLUSTER) or one of its own; results in test/faults/results/cluster/.
 */
import 'reflect-metadata';
import path from 'node:path';
import { acquireBroker, acquireCluster, Inspector, type Broker } from './support/broker';
import { RESULTS_DIR } from './support/paths';
import { formatDetails, formatTable, LEGEND, seconds, writeReport } from './support/report';
import { killLiveRuntimesSync } from './support/runtime-process';
import { makeDirs, ScenarioContext, type Scenario, type ScenarioResult } from './support/scenario';
import { CLUSTER_SCENARIOS, SCENARIOS } from './scenarios';
import { acquirePostgres } from './support/postgres';
import type { PostgresNode } from '../support/postgres-node';

const say = (line: string): void => {
  process.stdout.write(`[faults] ${line}\n`);
};

async function runScenario(scenario: Scenario, broker: Broker, inspector: Inspector, dirs: ReturnType<typeof makeDirs>, postgres: PostgresNode | undefined): Promise<ScenarioResult> {
  const t0 = Date.now();
  const context = new ScenarioContext(scenario, broker, inspector, dirs, (line) => say(`  ${scenario.id}: ${line}`), postgres);
  if (scenario.needsNodeControl && !broker.node) {
    return context.result(0, 'skipped: needs rabbitmqctl on the node (WARREN_TEST_RABBIT_* unset)');
  }
  let timer: NodeJS.Timeout | undefined;
  const overtime = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      context.abort(`the scenario ran over its ${scenario.timeoutMs} ms bound`);
      reject(new Error(`scenario ran over its ${scenario.timeoutMs} ms bound`));
    }, scenario.timeoutMs);
  });
  const running = scenario.run(context);
  try {
    await Promise.race([running, overtime]);
  } catch (error) {
    context.failures.push(`scenario threw: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    clearTimeout(timer);
    await context.cleanup();
    await running.catch(() => undefined); // after an overrun: its waits give up once the runtimes are gone
  }
  return context.result(Date.now() - t0);
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const onCluster = args.includes('--cluster');
  const filters = args.filter((arg) => arg !== '--cluster');
  const all = onCluster ? CLUSTER_SCENARIOS : SCENARIOS;
  const scenarios = filters.length ? all.filter((s) => filters.some((f) => s.id.includes(f))) : all;
  if (scenarios.length === 0) {
    say(`no ${onCluster ? 'cluster ' : ''}scenario matches ${filters.join(' ')} (have: ${all.map((s) => s.id).join(', ')})`);
    return 1;
  }
  // Runtimes (child processes) and the suite's own client read the fault config with this set.
  if (onCluster) process.env['WARREN_FAULT_QUEUE_TYPE'] = 'quorum';
  const resultsDir = onCluster ? path.join(RESULTS_DIR, 'cluster') : RESULTS_DIR;
  const startedAt = new Date();
  const t0 = Date.now();
  const dirs = makeDirs(resultsDir);
  say(onCluster ? 'broker: a three-node RabbitMQ cluster, quorum queues' : 'broker: starting a throwaway RabbitMQ node');
  const brokerLog = (line: string): void => say(`  [rabbitmq] ${line}`);
  const broker = onCluster ? await acquireCluster(brokerLog) : await acquireBroker(brokerLog);
  cleanupBroker = () => broker.stop();
  say(`broker: ${broker.url.replace(/\/\/[^@]*@/g, '//')} (${seconds(Date.now() - t0)})`);
  const inspector = new Inspector(broker.urls);
  // PostgreSQL only when a selected scenario needs it: the result-store scenarios.
  const postgres = scenarios.some((s) => s.needsPostgres) ? await acquirePostgres((line) => say(`  [postgres] ${line}`)) : undefined;
  if (postgres?.owned) {
    const stopBroker = cleanupBroker;
    cleanupBroker = async () => {
      await Promise.all([stopBroker(), postgres.node.stop()]);
    };
  }
  const results: ScenarioResult[] = [];
  try {
    for (const scenario of scenarios) {
      say(`${scenario.id}: ${scenario.title}`);
      const result = await runScenario(scenario, broker, inspector, dirs, postgres?.node);
      results.push(result);
      say(`${scenario.id}: ${result.status.toUpperCase()} in ${seconds(result.durationMs)} (sent ${result.sent}, completed ${result.completed}, duplicated ${result.duplicated}, dead-lettered ${result.deadLettered}, lost ${result.lost})`);
      for (const failure of result.failures) say(`${scenario.id}:   FAIL ${failure}`);
      if (stopRequested) break;
    }
  } finally {
    await inspector.close();
    const t = Date.now();
    await broker.stop();
    if (postgres?.owned) await postgres.node.stop();
    cleanupBroker = async () => {};
    if (broker.owned) say(`broker: node stopped (${seconds(Date.now() - t)})`);
  }

  const passed = results.filter((r) => r.status === 'passed').length;
  const failed = results.filter((r) => r.status === 'failed').length + (stopRequested ? 1 : 0);
  const skipped = results.filter((r) => r.status === 'skipped').length;
  writeReport(resultsDir, {
    startedAt: startedAt.toISOString(),
    durationMs: Date.now() - t0,
    broker: onCluster ? `a three-node RabbitMQ cluster (${broker.owned ? 'its own' : 'WARREN_TEST_CLUSTER'}), quorum queues` : broker.owned ? 'a throwaway RabbitMQ node' : 'WARREN_TEST_BROKER_URL',
    passed,
    failed,
    skipped,
    scenarios: results,
  });
  process.stdout.write(`\n${formatTable(results)}\n${LEGEND}\n\n`);
  const details = formatDetails(results);
  if (details) process.stdout.write(`${details}\n\n`);
  const shown = path.relative(process.cwd(), resultsDir);
  process.stdout.write(`results: ${shown}/latest.json, latest.md (records and process logs in ${shown}/)\n`);
  process.stdout.write(`total ${seconds(Date.now() - t0)}${skipped ? `; ${skipped} skipped` : ''}\n`);
  process.stdout.write(`${passed} passed, ${failed} failed\n`);
  return failed > 0 ? 1 : 0;
}

let cleanupBroker: () => Promise<void> = async () => {};
let stopRequested = false;

// Whatever happens, no runtime process outlives the suite (the node module kills its own node on exit).
process.on('exit', killLiveRuntimesSync);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopRequested) process.exit(130);
    stopRequested = true;
    say(`${signal}: stopping`);
    killLiveRuntimesSync();
    void cleanupBroker().finally(() => process.exit(130));
  });
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`[faults] ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    killLiveRuntimesSync();
    void cleanupBroker().finally(() => process.exit(1));
  },
);
