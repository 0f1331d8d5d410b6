/**
 * `npm test`           node -r @swc-node/register test/run.ts [file filters...]      the whole suite
 * `npm run test:unit`  node -r @swc-node/register test/run.ts --unit [filters...]   the inner loop
 *
 * Tiers. A test file needs RabbitMQ when it is named *.rabbitmq.test.ts or its source calls
 * requireBroker() (an AMQP URL) or requireRabbitNode() (that URL plus rabbitmqctl on its node),
 * from test/support/requirements.ts; it needs a browser when it is named *.browser.test.ts;
 * *.fault.test.ts files take the shared broker down or change its node-wide settings (consumer_timeout,
 * watermarks), so they run alone. The unit tier (--unit) runs every other file: the static checks, then tests on the
 * embedded broker only, with no RabbitMQ node, no chromium and no fault suite. `npm test` runs
 * all of it, unit files included.
 *
 * CI rule. A requirement that is missing skips its suite with the reason (the env vars to set);
 * with CI=true it fails the run instead, so a missing broker never turns CI green. The unit tier
 * sets WARREN_TEST_TIER=unit and leaves those files out, so it has nothing to fail.
 *
 *   1. type-check   npx tsc -p tsconfig.json --noEmit, and -p src/http/tsconfig.dashboard.json
 *   2. lint         npx eslint .            (skipped while there is no eslint.config.*)
 *   3. cycles       dpdm --circular -T, over src/
 *   4. broker       ensureRabbitMqInstalled() + startRabbitNode(); started in the background
 *                   while 1-3 run, only when a selected file needs RabbitMQ or the fault suite
 *                   runs. Skipped when WARREN_TEST_BROKER_URL is set, and in the unit tier.
 *   4b. browser     when a selected file is a *.browser.test.ts: ensureChromiumInstalled()
 *                   installs Debian's chromium if it is missing (as root; apt-get runs after
 *                   the RabbitMQ install, which holds the same dpkg lock), in the background
 *                   too. Not root and missing: the browser tests fail saying what to install.
 *   5. tests        node --test --test-reporter=spec -r @swc-node/register <test/**\/*.test.ts>
 *                   (*.fault.test.ts files afterwards, in a second, serial pass),
 *                   filtered by the CLI args (substring match on the path), with
 *                   WARREN_TEST_BROKER_URL / WARREN_TEST_RABBIT_* in the env
 *                   (see rabbitNodeFromEnv in test/support/rabbitmq-node.ts)
 *   5b. faults      without filters, not in the unit tier: the fault-injection suite
 *                   (test/faults/run-faults.ts) on the same node, last, since it stops and
 *                   restarts the broker. With CI=true it fails the run when its node-control
 *                   scenarios cannot run (WARREN_TEST_BROKER_URL without WARREN_TEST_RABBIT_*).
 *   5c. cluster     when a *.cluster.test.ts file is selected, or with 5b: the single node is
 *                   stopped, a three-node cluster started (startRabbitCluster, about 17 s on 2
 *                   cores), the *.cluster.test.ts files run on it (serially, WARREN_TEST_CLUSTER in
 *                   the env: see rabbitClusterFromEnv), then with 5b the fault suite's cluster
 *                   scenarios (run-faults.ts --cluster, quorum queues). Not in the unit tier.
 *   6. the nodes are always stopped (also on SIGINT/SIGTERM); exit code = test runner's.
 *
 * Env knobs:
 *   WARREN_TEST_BROKER_URL     use this broker, start no node. Suites that need rabbitmqctl then
 *                              skip (CI=true: fail) unless WARREN_TEST_RABBIT_* are set too.
 *   CI=true (or 1)             a missing requirement fails instead of skipping
 *   WARREN_TEST_SKIP_CHECKS=1  skip steps 1-3 (quick edit-test loop)
 *   WARREN_TEST_SKIP_FAULTS=1  skip step 5b, and the cluster scenarios of 5c
 *   WARREN_TEST_SKIP_CLUSTER=1 skip step 5c (no cluster, no *.cluster.test.ts files)
 *   WARREN_TEST_CONCURRENCY    test files run in parallel (default 2: measured 11 s vs 18 s
 *                              for 1 on 2 cores). Files named *.fault.test.ts (tests that
 *                              stop the shared broker or change its node-wide settings) run after
 *                              the rest, serially.
 *   WARREN_TEST_TIMEOUT        per-test timeout in ms (default 120000)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fg from 'fast-glob';
import { ensureChromiumInstalled } from './support/chromium';
import { ENV_BROKER_URL, ensureRabbitMqInstalled, rabbitNodeEnv, rabbitNodeFromEnv, startRabbitNode, type RabbitNode } from './support/rabbitmq-node';
import { ENV_TEST_TIER, inCi } from './support/requirements';
import { rabbitClusterEnv, startRabbitCluster, type RabbitCluster } from './support/rabbitmq-cluster';
import { ENV_POSTGRES_URL, ensurePostgresInstalled, postgresNodeEnv, startPostgres, type PostgresNode } from './support/postgres-node';

const ROOT = path.resolve(__dirname, '..');

const say = (line: string): void => {
  process.stdout.write(`[test] ${line}\n`);
};
const secs = (t0: number): string => `${((Date.now() - t0) / 1000).toFixed(1)}s`;

let current: ChildProcess | undefined;

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: ROOT, env, stdio: 'inherit' });
    current = child;
    child.on('error', (err) => {
      process.stderr.write(`[test] cannot run ${cmd}: ${err.message}\n`);
      resolve(127);
    });
    child.on('close', (code, signal) => {
      if (current === child) current = undefined;
      resolve(code ?? (signal ? 128 + (signalNumber(signal) ?? 1) : 1));
    });
  });
}

function signalNumber(signal: NodeJS.Signals): number | undefined {
  return os.constants.signals[signal];
}

async function staticChecks(): Promise<boolean> {
  let t = Date.now();
  say('type-check: npx tsc -p tsconfig.json --noEmit');
  if ((await run('npx', ['tsc', '-p', 'tsconfig.json', '--noEmit'])) !== 0) {
    say('type-check FAILED');
    return false;
  }
  say('type-check: npx tsc -p src/http/tsconfig.dashboard.json (the dashboard script, against the DOM)');
  if ((await run('npx', ['tsc', '-p', 'src/http/tsconfig.dashboard.json'])) !== 0) {
    say('type-check of the dashboard script FAILED');
    return false;
  }
  say(`type-check ok (${secs(t)})`);

  const eslintConfig = ['eslint.config.mjs', 'eslint.config.js', 'eslint.config.cjs', 'eslint.config.ts', 'eslint.config.mts', 'eslint.config.cts'].find(
    (f) => fs.existsSync(path.join(ROOT, f)),
  );
  if (!eslintConfig) {
    say('lint: skipped (no eslint.config.mjs yet)');
  } else {
    t = Date.now();
    say('lint: npx eslint .');
    if ((await run('npx', ['eslint', '.'])) !== 0) {
      say('lint FAILED');
      return false;
    }
    say(`lint ok (${secs(t)})`);
  }

  t = Date.now();
  // -T: type-only imports are erased by the compiler, so they cannot form a runtime cycle
  const cycleCmd = ['dpdm', '--no-tree', '--no-warning', '--no-progress', '-T', '--exit-code', 'circular:1', 'src/**/*.ts'];
  say(`circular imports: npx ${cycleCmd.join(' ')}`);
  if ((await run('npx', cycleCmd)) !== 0) {
    say('circular imports FAILED');
    return false;
  }
  say(`circular imports ok (${secs(t)})`);
  return true;
}

// What a file needs, by the rule in the header: from its name, or for RabbitMQ from its source.
const needsBrowser = (file: string): boolean => file.endsWith('.browser.test.ts');
const isFault = (file: string): boolean => file.endsWith('.fault.test.ts');
const isCluster = (file: string): boolean => file.endsWith('.cluster.test.ts');
const needsRabbitMq = (file: string): boolean =>
  file.endsWith('.rabbitmq.test.ts') || /\brequire(?:Broker|RabbitNode)\(/.test(fs.readFileSync(path.join(ROOT, file), 'utf8'));
const needsPostgres = (file: string): boolean => file.endsWith('.postgres.test.ts') || /\brequirePostgres\(/.test(fs.readFileSync(path.join(ROOT, file), 'utf8'));
const isUnit = (file: string): boolean => !needsBrowser(file) && !isFault(file) && !isCluster(file) && !needsRabbitMq(file) && !needsPostgres(file);

async function testFiles(filters: string[], unitOnly: boolean): Promise<string[]> {
  const all = (await fg('test/**/*.test.ts', { cwd: ROOT, ignore: ['**/node_modules/**'], onlyFiles: true })).sort();
  const picked = filters.length === 0 ? all : all.filter((f) => filters.some((needle) => f.includes(needle)));
  return unitOnly ? picked.filter(isUnit) : picked;
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const unit = args.includes('--unit');
  const filters = args.filter((a) => a !== '--unit');
  const t0 = Date.now();
  const files = await testFiles(filters, unit);
  const faultSuite = !unit && filters.length === 0 && process.env['WARREN_TEST_SKIP_FAULTS'] !== '1';
  const skipCluster = unit || process.env['WARREN_TEST_SKIP_CLUSTER'] === '1';
  const clusterFiles = skipCluster ? [] : files.filter(isCluster);
  const clusterFaults = faultSuite && !skipCluster;
  if (!unit && skipCluster && (faultSuite || files.some(isCluster))) say('cluster: skipped (WARREN_TEST_SKIP_CLUSTER=1): no cluster, no *.cluster.test.ts files');
  if (unit) say(`unit tier: ${files.length} file(s) that need no RabbitMQ and no browser; no node, no fault suite`);

  // Broker first, in the background: it boots while the static checks run.
  let node: RabbitNode | undefined;
  let nodeStarting: Promise<RabbitNode | undefined> | undefined;
  let rabbitInstalled: Promise<void> = Promise.resolve();
  const external = process.env[ENV_BROKER_URL];
  const wantsBroker = !unit && (faultSuite || files.some((file) => !isCluster(file) && needsRabbitMq(file)));
  if (!wantsBroker) {
    if (!unit) say('broker: none of the selected files needs RabbitMQ (no node started)');
  } else if (external) {
    say(`broker: using ${ENV_BROKER_URL}=${external} (no node started)`);
    if (!rabbitNodeFromEnv()) {
      say(`broker: no rabbitmqctl on it (WARREN_TEST_RABBIT_* unset): suites that need it ${inCi() ? 'FAIL (CI=true)' : 'are skipped'}`);
    }
  } else {
    say('broker: ensuring rabbitmq-server is installed, starting a throwaway node (background)');
    const brokerLog = (line: string): void => say(`  [rabbitmq] ${line}`);
    const installing = ensureRabbitMqInstalled(brokerLog);
    rabbitInstalled = installing.catch(() => {}); // its failure is reported through nodeStarting
    nodeStarting = (async () => {
      await installing;
      node = await startRabbitNode({ log: brokerLog });
      if (stopRequested) await node.stop();
      return node;
    })();
    nodeStarting.catch(() => {}); // awaited below
  }
  // PostgreSQL for the result-store files and the fault suite, installed after RabbitMQ (one dpkg lock).
  let postgres: PostgresNode | undefined;
  let postgresStarting: Promise<PostgresNode> | undefined;
  if (!unit && (faultSuite || files.some(needsPostgres))) {
    if (process.env[ENV_POSTGRES_URL]) {
      say(`postgres: using ${ENV_POSTGRES_URL}=${process.env[ENV_POSTGRES_URL]} (no server started)`);
    } else {
      say('postgres: ensuring postgresql is installed, starting a throwaway server (background)');
      const pgLog = (line: string): void => say(`  [postgres] ${line}`);
      postgresStarting = (async () => {
        await rabbitInstalled;
        await ensurePostgresInstalled(pgLog);
        postgres = await startPostgres({ log: pgLog });
        if (stopRequested) await postgres.stop();
        return postgres;
      })();
      postgresStarting.catch(() => {}); // awaited below
    }
  }
  let cluster: RabbitCluster | undefined;
  let clusterStarting: Promise<RabbitCluster> | undefined;
  cleanup = async () => {
    if (nodeStarting) await nodeStarting.catch(() => undefined);
    if (postgresStarting) await postgresStarting.catch(() => undefined);
    if (clusterStarting) await clusterStarting.catch(() => undefined);
    await Promise.all([node?.stop(), postgres?.stop(), cluster?.stop()]);
  };

  try {
    // Browser tests drive Debian's chromium; it installs while the static checks run.
    let chromiumReady: Promise<unknown> | undefined;
    if (files.some(needsBrowser)) {
      say("browser: ensuring Debian's chromium is installed for the browser tests (background)");
      chromiumReady = rabbitInstalled.then(() => ensureChromiumInstalled((line) => say(`  [chromium] ${line}`)));
    }

    if (process.env['WARREN_TEST_SKIP_CHECKS'] === '1') {
      say('static checks: skipped (WARREN_TEST_SKIP_CHECKS=1)');
    } else if (!(await staticChecks())) {
      return 1;
    }

    if (files.length === 0) {
      const tier = unit ? ' in the unit tier' : '';
      say(filters.length ? `no test file${tier} matches ${filters.map((f) => JSON.stringify(f)).join(' ')}` : `no test files${tier} (test/**/*.test.ts)`);
      return filters.length ? 1 : 0;
    }

    const env: NodeJS.ProcessEnv = { ...process.env };
    if (unit) env[ENV_TEST_TIER] = 'unit';
    if (nodeStarting) {
      const t = Date.now();
      const started = await nodeStarting; // rejects with the node's log tail on failure
      if (!started) return 1;
      Object.assign(env, rabbitNodeEnv(started));
      say(`broker: ${started.nodeName} at ${started.url}${Date.now() - t > 100 ? ` (waited ${secs(t)})` : ''}`);
    }
    if (postgresStarting) {
      const started = await postgresStarting; // rejects with what failed
      Object.assign(env, postgresNodeEnv(started));
      say(`postgres: ${started.url}`);
    }
    if (chromiumReady) {
      const t = Date.now();
      await chromiumReady; // never rejects: a missing browser fails the browser tests, with advice
      if (Date.now() - t > 100) say(`browser: waited ${secs(t)} for the chromium install`);
    }

    // Files that take the shared broker down or change what every channel gets (consumer_timeout
    // is read when a channel opens) must not overlap with others:
    // they are named *.fault.test.ts and run afterwards, one at a time.
    const passes = [
      { files: files.filter((f) => !isFault(f) && !isCluster(f)), concurrency: process.env['WARREN_TEST_CONCURRENCY'] ?? '2' },
      { files: files.filter(isFault), concurrency: '1' },
    ].filter((p) => p.files.length > 0);
    const timeout = process.env['WARREN_TEST_TIMEOUT'] ?? '120000';
    let code = 0;
    for (const pass of passes) {
      const args = [
        '--test',
        '--test-reporter=spec',
        `--test-concurrency=${pass.concurrency}`,
        `--test-timeout=${timeout}`,
        '-r',
        '@swc-node/register',
        ...pass.files,
      ];
      const what = pass.files.every(isFault) ? ' (fault tests, serial)' : '';
      say(`tests${what}: node ${args.slice(0, 6).join(' ')} <${pass.files.length} file(s)>`);
      const passCode = await run(process.execPath, args, env);
      if (passCode !== 0 && code === 0) code = passCode;
      if (stopRequested) break;
    }
    // The whole suite ends with the fault-injection scenarios (npm run test:faults) on the same
    // node: they stop and restart it, so they come last. A filtered run is a developer's loop.
    if (faultSuite && !stopRequested) {
      say('fault-injection suite: node test/faults/run-faults.ts (WARREN_TEST_SKIP_FAULTS=1 skips it)');
      const faultCode = await run(process.execPath, ['-r', '@swc-node/register', 'test/faults/run-faults.ts'], env);
      if (faultCode !== 0 && code === 0) code = faultCode;
      // run-faults skips its node-control scenarios on a URL-only broker; in CI that must not pass
      if (inCi() && !rabbitNodeFromEnv(env)) {
        say('fault-injection suite FAILED: CI=true, and its node-control scenarios were skipped (no WARREN_TEST_RABBIT_*)');
        if (code === 0) code = 1;
      }
    }
    // The cluster tier last: the single node is done with, so its CPU goes to the three nodes.
    if ((clusterFiles.length > 0 || clusterFaults) && !stopRequested) {
      const clusterCode = await clusterTier();
      if (clusterCode !== 0 && code === 0) code = clusterCode;
    }
    say(`tests ${code === 0 ? 'passed' : `FAILED (exit ${code})`} — total ${secs(t0)}`);
    return code;

    async function clusterTier(): Promise<number> {
      if (node) {
        const t = Date.now();
        await node.stop();
        say(`broker: single node stopped before the cluster (${secs(t)})`);
      }
      const t = Date.now();
      say('cluster: starting a three-node RabbitMQ cluster');
      await ensureRabbitMqInstalled((line) => say(`  [rabbitmq] ${line}`));
      clusterStarting = startRabbitCluster({ log: (line) => say(`  [cluster] ${line}`) });
      cluster = await clusterStarting;
      if (stopRequested) return 1;
      say(`cluster: up in ${secs(t)}: ${cluster.urls.join(', ')}`);
      const clusterEnv: NodeJS.ProcessEnv = { ...env, ...rabbitClusterEnv(cluster) };
      let result = 0;
      if (clusterFiles.length > 0) {
        const args = ['--test', '--test-reporter=spec', '--test-concurrency=1', `--test-timeout=${timeout}`, '-r', '@swc-node/register', ...clusterFiles];
        say(`tests (cluster, serial): node ${args.slice(0, 6).join(' ')} <${clusterFiles.length} file(s)>`);
        result = await run(process.execPath, args, clusterEnv);
      }
      if (clusterFaults && !stopRequested) {
        say('fault-injection suite on the cluster: node test/faults/run-faults.ts --cluster');
        const faultCode = await run(process.execPath, ['-r', '@swc-node/register', 'test/faults/run-faults.ts', '--cluster'], clusterEnv);
        if (faultCode !== 0 && result === 0) result = faultCode;
      }
      return result;
    }
  } finally {
    const t = Date.now();
    await cleanup();
    if (node) say(`broker: node stopped (${secs(t)})`);
    if (cluster) say('cluster: stopped');
    if (postgres) say('postgres: server stopped');
  }
}

let cleanup: () => Promise<void> = async () => {};
let stopRequested = false;
let signalExitCode: number | undefined; // once a signal arrived, exit 128+n whoever exits first

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopRequested) {
      // second signal: give up waiting; the node module's exit hook SIGKILLs our PIDs
      process.exit(128 + (signalNumber(signal) ?? 1));
    }
    stopRequested = true;
    signalExitCode = 128 + (signalNumber(signal) ?? 1);
    say(`${signal}: stopping`);
    if (current && current.exitCode === null) current.kill(signal);
    void cleanup()
      .catch((err: unknown) => process.stderr.write(`[test] cleanup failed: ${String(err)}\n`))
      .finally(() => process.exit(signalExitCode));
  });
}

main().then(
  (code) => process.exit(signalExitCode ?? code),
  (err: unknown) => {
    process.stderr.write(`[test] ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(signalExitCode ?? 1);
  },
);
