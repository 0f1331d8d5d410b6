import type { WarrenClient } from '../../../src';
import type { RabbitCluster } from '../../support/rabbitmq-cluster';
import { FaultCpu } from '../jobs/cpu-jobs';
import { FaultIo } from '../jobs/io-jobs';
import { describeFailures, failureCount, LoadPublisher, openClient, publishAll } from '../support/publisher';
import type { RuntimeProcess } from '../support/runtime-process';
import type { Scenario, ScenarioContext } from '../support/scenario';
import { CONNECTION_LOST_LINE, stopLoad, WINDOW } from './under-load';

/**
 * The cluster scenarios (`npm run test:faults -- --cluster`): quorum queues on three nodes, two
 * runtimes as separate processes on different nodes serving the same queues, and a client on a
 * third, each given every node's URL in its own order (broker.urls: the first is where it
 * connects, the rest where it moves). A steady publisher runs through the fault; nothing may be
 * lost, duplicates are counted (at least once: a run whose acknowledgement died with a connection
 * runs again), both runtimes must complete work, and no consumer may hold more than its prefetch.
 */

const RATE_PER_SECOND = 200;
const WARM_UP = 300;
const AFTER_FAULT = 300;
/** Deliveries one runtime holds unacknowledged at most, by queue: the prefetch its banner prints (fault-io its concurrency, fault-cpu twice its 2 threads). */
const PREFETCH: Readonly<Record<string, number>> = { 'fault-io': 32, 'fault-cpu': 4, 'fault-retry': 32 };
const RUNTIMES = 2;
/** The backlog published before the steady load: long enough to outlast a rabbitmqctl sample at 2 × 32 at once. */
const BURST = 1_500;
const BURST_TASK_MS = 150;
/** Per fault, duplicates can only come from both runtimes' work in flight or from publishes the client repeated. */
const MAX_DUPLICATES_PER_FAULT = RUNTIMES * (PREFETCH['fault-io']! + PREFETCH['fault-cpu']!) + WINDOW;

/** Every node's URL, comma-separated, starting at node `first` (1-based): where a process connects first, then where it moves. */
export function urlsFrom(cluster: RabbitCluster, first: number): string {
  const urls = cluster.urls;
  return [...urls.slice(first - 1), ...urls.slice(0, first - 1)].join(',');
}

/** What a fault can use. */
interface ClusterHooks {
  readonly cluster: RabbitCluster;
  /** Runtime 1 (declared the queues, so their leaders are on its node) and runtime 2. */
  readonly runtimes: readonly RuntimeProcess[];
  readonly load: LoadPublisher;
  /** The runtime that connected to node `index` first, if any. */
  runtimeAt(index: number): RuntimeProcess | undefined;
  /** Ids confirmed so far whose completion was recorded by the runtime with this pid. */
  doneBy(pid: number, ids: readonly string[]): number;
}

interface ClusterPlan {
  /** The node each runtime connects to first (1-based). */
  readonly runtimesAt: readonly [number, number];
  /** The node the client connects to first. */
  readonly clientAt: number;
  /** Connection losses the fault causes at most, for the duplicate bound. */
  readonly faults: number;
}

function clusterOf(ctx: ScenarioContext): RabbitCluster {
  const cluster = ctx.broker.cluster;
  if (!cluster) throw new Error('a cluster scenario needs the cluster: npm run test:faults -- --cluster');
  return cluster;
}

/** The node names holding the leaders of the scenario's work queues, by queue. */
async function leadersOf(ctx: ScenarioContext, cluster: RabbitCluster): Promise<Map<string, string>> {
  const all = await cluster.queueLeaders();
  return new Map(ctx.workQueues.filter((queue) => all.has(queue)).map((queue) => [queue, all.get(queue) as string]));
}

const shortName = (nodeName: string): string => nodeName.replace(/^warren-test-[0-9a-f]+-/, 'node ').replace(/@.*/, '');

/** Resolves once every work queue has a consumer of each runtime again (after a runtime moved). */
async function allConsumersBack(ctx: ScenarioContext, count: number, timeoutMs = 60_000): Promise<void> {
  await ctx.waitFor(`${count} consumers on every work queue`, async () => {
    for (const queue of ctx.workQueues) if (((await ctx.inspector.queueInfo(queue))?.consumers ?? 0) < count) return false;
    return true;
  }, { timeoutMs, failIf: ctx.noRuntimeAlive });
}

/**
 * Ready and unacknowledged messages of the work queues, by short queue name (rabbitmqctl on any
 * live node). Quorum queues publish these figures every few seconds, so they can be that old.
 */
async function queueCounts(ctx: ScenarioContext, cluster: RabbitCluster): Promise<Map<string, { ready: number; unacked: number }>> {
  const text = await cluster.ctl(['-q', 'list_queues', 'name', 'messages_ready', 'messages_unacknowledged', '--formatter', 'json']);
  const rows = JSON.parse(text.slice(Math.max(0, text.indexOf('[')))) as Array<{ name: string; messages_ready: number; messages_unacknowledged: number }>;
  const counts = new Map<string, { ready: number; unacked: number }>();
  for (const row of rows) {
    if (row.name.startsWith(`${ctx.namespace}.`) && ctx.workQueues.includes(row.name)) {
      counts.set(row.name.slice(ctx.namespace.length + 1), { ready: Number(row.messages_ready), unacked: Number(row.messages_unacknowledged) });
    }
  }
  return counts;
}

/** The prefetch of every consumer of the work queues, by short queue name (`list_consumers`; unlike message counts, not a periodic statistic). */
async function consumerPrefetches(ctx: ScenarioContext, cluster: RabbitCluster): Promise<Map<string, number[]>> {
  const text = await cluster.ctl(['-q', 'list_consumers', 'queue_name', 'prefetch_count', '--formatter', 'json']);
  const rows = JSON.parse(text.slice(Math.max(0, text.indexOf('[')))) as Array<{ queue_name: string; prefetch_count: number }>;
  const byQueue = new Map<string, number[]>();
  for (const row of rows) {
    if (!ctx.workQueues.includes(row.queue_name)) continue;
    const queue = row.queue_name.slice(ctx.namespace.length + 1);
    byQueue.set(queue, [...(byQueue.get(queue) ?? []), Number(row.prefetch_count)]);
  }
  return byQueue;
}

/**
 * Two runtimes, a client and a steady publisher on the cluster; once work flows, `inject` does
 * the fault; then work published after it must complete, and everything sent be accounted for.
 */
async function clusterUnderLoad(ctx: ScenarioContext, what: string, plan: ClusterPlan, inject: (hooks: ClusterHooks) => Promise<void>): Promise<void> {
  const cluster = clusterOf(ctx);
  const running = await cluster.runningNodes();
  if (!ctx.expect(running.length === cluster.nodes.length, `all ${cluster.nodes.length} nodes should run before the fault (running: ${running.join(', ')})`)) return;
  // Runtime 1 declares the quorum queues: their leaders are on its node (queue_leader_locator client-local).
  const first = await ctx.startRuntime({ env: { WARREN_BROKER_URL: urlsFrom(cluster, plan.runtimesAt[0]) } });
  const second = await ctx.startRuntime({ env: { WARREN_BROKER_URL: urlsFrom(cluster, plan.runtimesAt[1]) } });
  const runtimes = [first, second] as const;
  const types = await cluster.ctl(['-q', 'list_queues', 'name', 'type', '--formatter', 'json']);
  const declared = new Set([...ctx.workQueues, ...ctx.deadQueues]);
  const ours = (JSON.parse(types.slice(Math.max(0, types.indexOf('[')))) as Array<{ name: string; type: string }>).filter((row) => declared.has(row.name));
  ctx.expect(ours.length === declared.size && ours.every((row) => row.type === 'quorum'), `every work and dead-letter queue should be a quorum queue: ${ours.map((row) => `${row.name} ${row.type}`).join(', ')}`);
  const prefetches = await consumerPrefetches(ctx, cluster);
  ctx.note(`consumers: ${[...prefetches].map(([queue, counts]) => `${queue} prefetch ${counts.join('/')}`).join(', ')}`);
  for (const [queue, counts] of prefetches) {
    ctx.expect(counts.length === RUNTIMES && counts.every((count) => count > 0 && count <= (PREFETCH[queue] ?? 0)), `${queue} should have ${RUNTIMES} consumers, each with a prefetch of at most ${PREFETCH[queue]}: ${counts.join(', ')}`);
  }
  const leaders = await leadersOf(ctx, cluster);
  ctx.note(`queue leaders: ${[...new Set(leaders.values())].map(shortName).join(', ')}; runtimes at node ${plan.runtimesAt.join(' and ')}, client at node ${plan.clientAt}`);

  const client: WarrenClient = await openClient(urlsFrom(cluster, plan.clientAt), ctx.namespace);
  const io = client.proxy(FaultIo);
  const cpu = client.proxy(FaultCpu);
  const load = new LoadPublisher((i) => (i % 4 === 3 ? cpu.work.enqueue(2) : io.work.enqueue(20)), { ratePerSecond: RATE_PER_SECOND, window: WINDOW, max: 50_000 });
  const doneBy = (pid: number, ids: readonly string[]): number => {
    const wanted = new Set(ids);
    const done = new Set<string>();
    for (const line of ctx.records.lines) if (line.kind === 'done' && line.pid === pid && wanted.has(line.taskId)) done.add(line.taskId);
    return done.size;
  };
  const maxUnacked = new Map<string, number>();
  const sampleUnacked = async (when: string): Promise<void> => {
    const counts = await queueCounts(ctx, cluster).catch(() => undefined);
    if (!counts) return;
    for (const [queue, { unacked }] of counts) maxUnacked.set(queue, Math.max(maxUnacked.get(queue) ?? 0, unacked));
    ctx.log(`${when}: ${[...counts].map(([queue, c]) => `${queue} ready ${c.ready} unacked ${c.unacked}`).join(', ')}`);
  };
  try {
    // A backlog first: while it lasts, each runtime holds at most its prefetch and both work on it.
    const burst = await publishAll(BURST, () => io.work.enqueue(BURST_TASK_MS), 256);
    ctx.track(burst.ids);
    ctx.expect(failureCount(burst) === 0, `every publish of the backlog should be confirmed: ${describeFailures(burst)}`);
    await ctx.waitFor(`the backlog of ${BURST} to complete`, () => ctx.records.doneAmong(new Set(burst.ids)) >= BURST, { timeoutMs: 60_000, failIf: ctx.noRuntimeAlive });
    const burstShares = runtimes.map((runtime) => doneBy(runtime.pid, burst.ids));
    ctx.note(`a backlog of ${BURST} io tasks (${BURST_TASK_MS} ms): runtime 1 ran ${burstShares[0]}, runtime 2 ${burstShares[1]}`);
    for (const [i, share] of burstShares.entries()) ctx.expect(share >= BURST * 0.25, `runtime ${i + 1} should run a share of the backlog (at least 25 %), got ${share} of ${BURST}`);
    await ctx.waitFor(`${WARM_UP} tasks to complete before the fault`, () => ctx.records.doneAmong(new Set(load.ids)) >= WARM_UP, { timeoutMs: 30_000, failIf: ctx.noRuntimeAlive });
    await sampleUnacked('before the fault');
    const t0 = Date.now();
    const drops = runtimes.map((runtime) => runtime.countLines(CONNECTION_LOST_LINE));
    const runtimeAt = (index: number): RuntimeProcess | undefined => runtimes[plan.runtimesAt.indexOf(index)];
    await inject({ cluster, runtimes, load, doneBy, runtimeAt });
    ctx.log(`${what} took ${Date.now() - t0} ms`);
    await sampleUnacked('after the fault');
    await allConsumersBack(ctx, RUNTIMES);
    const mark = load.ids.length;
    const t1 = Date.now();
    await ctx.waitFor(`${AFTER_FAULT} tasks published after the fault to complete`, () => {
      const later = new Set(load.ids.slice(mark));
      return later.size >= AFTER_FAULT && ctx.records.doneAmong(later) >= AFTER_FAULT;
    }, { timeoutMs: 60_000, failIf: ctx.noRuntimeAlive });
    ctx.note(`${what}: ${Date.now() - t0} ms; work published after it flowed again in ${Date.now() - t1} ms`);
    const lost = runtimes.map((runtime, i) => runtime.countLines(CONNECTION_LOST_LINE) - (drops[i] ?? 0));
    ctx.note(`connection losses logged: runtime 1 ${lost[0]}, runtime 2 ${lost[1]}`);
  } finally {
    await stopLoad(ctx, load);
    await client.close().catch(() => undefined);
  }
  const counted = await ctx.settle({ timeoutMs: 90_000 });
  ctx.expect(counted.deadLettered === 0, `nothing should be dead-lettered (got ${counted.deadLettered})`);
  const maxDuplicates = plan.faults * MAX_DUPLICATES_PER_FAULT;
  ctx.expect(counted.duplicated <= maxDuplicates, `at most ${maxDuplicates} duplicates (both runtimes' work in flight plus repeated publishes, per connection loss), got ${counted.duplicated}`);
  const ids = [...ctx.sent];
  const shares = runtimes.map((runtime) => doneBy(runtime.pid, ids));
  ctx.note(`work shared: runtime 1 completed ${shares[0]}, runtime 2 ${shares[1]} of ${ids.length}`);
  for (const [i, share] of shares.entries()) ctx.expect(share >= ids.length * 0.1, `runtime ${i + 1} should complete a share of the work (at least 10 %), got ${share} of ${ids.length}`);
  const hoarded = [...maxUnacked].filter(([queue, unacked]) => unacked > RUNTIMES * (PREFETCH[queue] ?? 0));
  ctx.note(`most unacknowledged seen: ${[...maxUnacked].map(([queue, unacked]) => `${queue} ${unacked}`).join(', ')} (prefetch per runtime: fault-io ${PREFETCH['fault-io']}, fault-cpu ${PREFETCH['fault-cpu']})`);
  ctx.expect(hoarded.length === 0, `no queue should have more unacknowledged than ${RUNTIMES} runtimes' prefetch: ${hoarded.map(([queue, unacked]) => `${queue} ${unacked}`).join(', ')}`);
  for (const [i, runtime] of runtimes.entries()) {
    ctx.expect(runtime.alive, `runtime ${i + 1} should recover by itself, without a restart${runtime.describeOutput()}`);
  }
}

/** Waits until every node of the cluster runs the rabbit app again. */
async function wholeCluster(ctx: ScenarioContext, cluster: RabbitCluster, timeoutMs = 60_000): Promise<void> {
  await ctx.waitFor(`all ${cluster.nodes.length} nodes running`, async () => (await cluster.runningNodes().catch(() => [])).length === cluster.nodes.length, { timeoutMs, intervalMs: 500 });
}

/** Waits until `count` tasks published from now on completed, each by whichever runtime. */
async function workFlows(ctx: ScenarioContext, load: LoadPublisher, count: number, what: string): Promise<number> {
  const mark = load.ids.length;
  const t = Date.now();
  await ctx.waitFor(`${count} tasks published ${what} to complete`, () => {
    const later = new Set(load.ids.slice(mark));
    return later.size >= count && ctx.records.doneAmong(later) >= count;
  }, { timeoutMs: 60_000, failIf: ctx.noRuntimeAlive });
  return Date.now() - t;
}

/**
 * (a) The node holding the queue leaders SIGKILLed under load: the other two elect new leaders,
 * the runtime that was connected to it moves to another node, and work published while it is
 * down completes. Then it boots again and rejoins.
 */
export const clusterKillLeaderScenario: Scenario = {
  id: 'cluster-kill-leader',
  title: 'cluster: SIGKILL the node holding the quorum queue leaders under load (2 runtimes)',
  duplicatesAllowed: true,
  timeoutMs: 240_000,
  async run(ctx) {
    await clusterUnderLoad(ctx, 'leader node SIGKILLed', { runtimesAt: [1, 2], clientAt: 3, faults: 1 }, async ({ cluster, load, doneBy, runtimeAt }) => {
      const before = await leadersOf(ctx, cluster);
      const leaderName = [...before.values()][0];
      const victim = leaderName ? cluster.node(leaderName) : undefined;
      if (!victim) throw new Error(`no leader known for the work queues (${[...before].join(', ')})`);
      ctx.expect([...before.values()].every((name) => name === leaderName), `the work queues' leaders should all be on one node: ${[...before].map(([q, n]) => `${q} ${shortName(n)}`).join(', ')}`);
      const onVictim = runtimeAt(victim.index);
      ctx.expect(onVictim !== undefined, `a runtime should be connected to the leaders' node (${shortName(victim.nodeName)})`);
      const t0 = Date.now();
      await victim.kill();
      ctx.log(`${shortName(victim.nodeName)} SIGKILLed`);
      try {
        const moved = await ctx.waitFor('new leaders on the other nodes', async () => {
          const now = await leadersOf(ctx, cluster).catch(() => undefined);
          return now && now.size === before.size && [...now.values()].every((name) => name !== victim.nodeName) ? now : undefined;
        }, { timeoutMs: 30_000, intervalMs: 250 });
        const electedMs = Date.now() - t0;
        await allConsumersBack(ctx, RUNTIMES);
        const mark = load.ids.length;
        const flowMs = await workFlows(ctx, load, AFTER_FAULT, 'while the node is down');
        const byMoved = onVictim ? doneBy(onVictim.pid, load.ids.slice(mark)) : 0;
        ctx.note(`${shortName(victim.nodeName)} killed: new leaders (${[...new Set(moved.values())].map(shortName).join(', ')}) seen ${electedMs} ms later; ${AFTER_FAULT} tasks published while it was down completed in ${flowMs} ms, ${byMoved} of them by the runtime that was connected to it`);
        ctx.expect(byMoved > 0, 'the runtime connected to the killed node should move to another node and complete work there');
      } finally {
        const t = Date.now();
        await victim.restart();
        await wholeCluster(ctx, cluster);
        ctx.log(`${shortName(victim.nodeName)} booted again and rejoined in ${Date.now() - t} ms`);
      }
    });
  },
};

/** (b) A rolling upgrade: each node's VM stopped and booted again in turn, under load. */
export const clusterRollingScenario: Scenario = {
  id: 'cluster-rolling',
  title: 'cluster: each node restarted in turn under load, a rolling upgrade (2 runtimes)',
  duplicatesAllowed: true,
  timeoutMs: 300_000,
  async run(ctx) {
    await clusterUnderLoad(ctx, 'rolling restart of 3 nodes', { runtimesAt: [1, 2], clientAt: 3, faults: 3 }, async ({ cluster, load }) => {
      const steps: string[] = [];
      for (const node of cluster.nodes) {
        const t = Date.now();
        await node.restart();
        await wholeCluster(ctx, cluster);
        const restartMs = Date.now() - t;
        await allConsumersBack(ctx, RUNTIMES);
        const flowMs = await workFlows(ctx, load, 100, `after ${shortName(node.nodeName)} restarted`);
        steps.push(`${shortName(node.nodeName)} ${restartMs} ms (work flowing ${flowMs} ms later)`);
        ctx.log(`${shortName(node.nodeName)} restarted in ${restartMs} ms`);
      }
      ctx.note(`restarts: ${steps.join('; ')}`);
    });
  },
};

/**
 * (c) The node a runtime and the client are connected to stops (stop_app): both move to another
 * node (broker.urls), and work published while it is stopped completes there.
 */
export const clusterNodeStopScenario: Scenario = {
  id: 'cluster-node-stop',
  title: 'cluster: stop the node a runtime and the client are connected to; they move (2 runtimes)',
  duplicatesAllowed: true,
  timeoutMs: 240_000,
  async run(ctx) {
    await clusterUnderLoad(ctx, 'node stop_app', { runtimesAt: [2, 3], clientAt: 2, faults: 1 }, async ({ cluster, runtimes, load, doneBy }) => {
      const node = cluster.nodes[1];
      if (!node) throw new Error('the cluster has no node 2');
      const [moving] = runtimes;
      const drops = moving?.countLines(CONNECTION_LOST_LINE) ?? 0;
      await node.stopApp();
      ctx.log(`${shortName(node.nodeName)} app stopped`);
      try {
        await ctx.waitFor('the runtime on the stopped node to notice', () => (moving?.countLines(CONNECTION_LOST_LINE) ?? 0) > drops, { timeoutMs: 20_000, failIf: ctx.noRuntimeAlive });
        await allConsumersBack(ctx, RUNTIMES);
        const mark = load.ids.length;
        const flowMs = await workFlows(ctx, load, AFTER_FAULT, 'while the node is stopped');
        const byMoved = moving ? doneBy(moving.pid, load.ids.slice(mark)) : 0;
        ctx.note(`${shortName(node.nodeName)} stopped: ${AFTER_FAULT} tasks the client published while it was down (so through another node) completed in ${flowMs} ms, ${byMoved} of them by the runtime that was connected to it`);
        ctx.expect(byMoved > 0, 'the runtime connected to the stopped node should move to another node and complete work there');
      } finally {
        await node.startApp();
        await wholeCluster(ctx, cluster);
        ctx.log(`${shortName(node.nodeName)} app started`);
      }
    });
  },
};

export const CLUSTER_SCENARIOS: readonly Scenario[] = [clusterKillLeaderScenario, clusterRollingScenario, clusterNodeStopScenario];
