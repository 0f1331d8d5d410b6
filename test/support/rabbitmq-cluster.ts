/**
 * A throwaway three-node RabbitMQ cluster on loopback, for the cluster tier and the fault
 * suite's cluster scenarios.
 *
 * Each node is a startRabbitNode() node (test/support/rabbitmq-node.ts) with its own name
 * (`warren-test-<id>-<n>@localhost`), AMQP and distribution ports and base dir (under the
 * cluster's dir, owned by user `rabbitmq` when we run as root). They share one epmd, which the
 * cluster spawns as its own child (Erlang nodes on one host find each other through one epmd),
 * and one Erlang cookie. The nodes boot side by side; then nodes 2 and 3 join the first with
 * `rabbitmqctl -n <node> stop_app; join_cluster <first>; start_app` (RabbitMQ 3.10 needs the
 * same cookie and node names that resolve: `localhost`).
 *
 * stop() stops the nodes and the epmd it started, by their PIDs, and removes the dir;
 * idempotent, and the node module's exit hook kills whatever is left if the process exits first.
 * rabbitClusterEnv()/rabbitClusterFromEnv() hand the cluster to a test process, as
 * rabbitNodeEnv()/rabbitNodeFromEnv() do for one node.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import {
  brokerIdentity,
  layoutOf,
  makeBrokerDir,
  newErlangCookie,
  rabbitNodeFromLayout,
  startEpmd,
  startRabbitNode,
  type Epmd,
  type NodeLayoutData,
  type RabbitNode,
} from './rabbitmq-node';

type Log = (line: string) => void;

/** One node of the cluster: a RabbitNode, with its place in it. */
export interface ClusterNode extends RabbitNode {
  /** 1, 2 or 3: node 1 is the one the others joined. */
  readonly index: number;
}

export interface RabbitCluster {
  /** Every node's AMQP URL, node 1 first. */
  readonly urls: readonly string[];
  readonly nodes: readonly ClusterNode[];
  /** The node whose name is given (`warren-test-…-2@localhost`). */
  node(nodeName: string): ClusterNode | undefined;
  /** rabbitmqctl on the first node that answers. */
  ctl(args: string[]): Promise<string>;
  /** The node name of a quorum queue's leader (`list_queues name leader`), undefined if the queue is unknown or has none now. */
  queueLeader(queue: string): Promise<string | undefined>;
  /** Leaders of every queue, by queue name. */
  queueLeaders(): Promise<Map<string, string>>;
  /** Names of the nodes running the rabbit app, as `cluster_status` reports them. */
  runningNodes(): Promise<string[]>;
  /** Stops every node and the epmd, removes the dir; idempotent. A no-op on a handle from the env. */
  stop(): Promise<void>;
}

/** Env var through which test/run.ts hands the cluster to test processes (JSON, see rabbitClusterEnv). */
export const ENV_CLUSTER = 'WARREN_TEST_CLUSTER';
/** The nodes' AMQP URLs, comma-separated (for a reader, and for tests that need only URLs). */
export const ENV_CLUSTER_URLS = 'WARREN_TEST_CLUSTER_URLS';

export const CLUSTER_SIZE = 3;

interface ClusterData {
  readonly dir: string;
  readonly nodes: readonly NodeLayoutData[];
}

function parseJsonRows(stdout: string): Array<Record<string, unknown>> {
  const text = stdout.trim();
  const start = text.indexOf('[');
  return start < 0 ? [] : (JSON.parse(text.slice(start)) as Array<Record<string, unknown>>);
}

function clusterApi(nodes: readonly ClusterNode[], stop: () => Promise<void>): RabbitCluster {
  const ctl = async (args: string[]): Promise<string> => {
    let last: unknown;
    // Nodes whose VM runs first: asking a killed node costs the CLI's whole connection timeout.
    const order = [...nodes].sort((x, y) => Number(y.beamPid() !== undefined) - Number(x.beamPid() !== undefined));
    for (const node of order) {
      try {
        return await node.ctl(args);
      } catch (error) {
        last = error;
      }
    }
    throw last instanceof Error ? last : new Error(String(last));
  };
  const queueLeaders = async (): Promise<Map<string, string>> => {
    const leaders = new Map<string, string>();
    for (const row of parseJsonRows(await ctl(['-q', 'list_queues', 'name', 'leader', '--formatter', 'json']))) {
      const leader = row['leader'];
      if (typeof leader === 'string' && leader !== '' && leader !== 'undefined') leaders.set(String(row['name']), leader);
    }
    return leaders;
  };
  return {
    urls: nodes.map((node) => node.url),
    nodes,
    node: (nodeName) => nodes.find((node) => node.nodeName === nodeName),
    ctl,
    queueLeaders,
    async queueLeader(queue) {
      return (await queueLeaders()).get(queue);
    },
    async runningNodes() {
      const status = JSON.parse(await ctl(['-q', 'cluster_status', '--formatter', 'json'])) as { running_nodes?: string[] };
      return status.running_nodes ?? [];
    },
    stop,
  };
}

/**
 * Boots the cluster: the epmd, `size` nodes side by side, then each one after the first joins
 * it. Throws (having stopped what it started) if a node fails to start or join.
 */
export async function startRabbitCluster(options: { log?: Log; size?: number } = {}): Promise<RabbitCluster> {
  const log = options.log ?? (() => {});
  const size = options.size ?? CLUSTER_SIZE;
  const t0 = Date.now();
  const ident = brokerIdentity();
  const id = randomBytes(4).toString('hex');
  const dir = makeBrokerDir(`warren-cluster-${id}-`, ident);
  const cookie = newErlangCookie();
  let epmd: Epmd | undefined;
  const started: RabbitNode[] = [];
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      const t = Date.now();
      await Promise.all(started.map((node) => node.stop().catch((error: unknown) => log(`stopping ${node.nodeName}: ${(error as Error).message}`))));
      await epmd?.stop();
      fs.rmSync(dir, { recursive: true, force: true });
      log(`cluster ${id} stopped in ${Date.now() - t} ms`);
    })();
    return stopping;
  };
  try {
    epmd = await startEpmd(dir, ident);
    const epmdPort = epmd.port;
    log(`starting a ${size}-node cluster (epmd ${epmdPort}, dir ${dir})`);
    const booting = Array.from({ length: size }, (_, i) =>
      startRabbitNode({ log, epmdPort, cookie, nodeName: `warren-test-${id}-${i + 1}@localhost`, parentDir: dir }).then((node) => {
        started.push(node);
        return node;
      }),
    );
    const settled = await Promise.allSettled(booting);
    const failed = settled.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failed) throw failed.reason;
    const nodes = settled.map((result) => (result as PromiseFulfilledResult<RabbitNode>).value);
    const first = nodes[0] as RabbitNode;
    log(`${size} nodes up in ${Date.now() - t0} ms; joining them to ${first.nodeName}`);
    // One at a time: a join changes the cluster's schema, and two at once may race.
    for (const node of nodes.slice(1)) {
      const t = Date.now();
      await node.ctl(['stop_app']);
      await node.ctl(['join_cluster', first.nodeName]);
      await node.startApp();
      log(`${node.nodeName} joined in ${Date.now() - t} ms`);
    }
    const members = nodes.map((node, i): ClusterNode => Object.assign(node, { index: i + 1 }));
    const cluster = clusterApi(members, stop);
    const running = await cluster.runningNodes();
    if (running.length !== size) throw new Error(`cluster_status lists ${running.length} running nodes, not ${size}: ${running.join(', ')}`);
    clusters.set(cluster, { dir, nodes: nodes.map((node) => layoutOf(node) as NodeLayoutData) });
    log(`cluster of ${size} up in ${Date.now() - t0} ms: ${members.map((node) => `${node.nodeName} ${node.url}`).join(', ')}`);
    return cluster;
  } catch (error) {
    await stop().catch(() => {});
    throw error;
  }
}

const clusters = new WeakMap<RabbitCluster, ClusterData>();

/** Env vars that let a test process rebuild the cluster's handle (rabbitClusterFromEnv). */
export function rabbitClusterEnv(cluster: RabbitCluster): Record<string, string> {
  const data = clusters.get(cluster);
  if (!data) throw new Error('rabbitClusterEnv: not a cluster started by startRabbitCluster in this process');
  return { [ENV_CLUSTER]: JSON.stringify(data), [ENV_CLUSTER_URLS]: cluster.urls.join(',') };
}

/**
 * The runner's cluster, from the env it set; undefined outside the runner. Every node handle
 * works (ctl, stopApp/startApp, kill, restart: see rabbitNodeFromLayout); stop() is a no-op.
 */
export function rabbitClusterFromEnv(env: NodeJS.ProcessEnv = process.env): RabbitCluster | undefined {
  const raw = env[ENV_CLUSTER];
  if (!raw) return undefined;
  const data = JSON.parse(raw) as ClusterData;
  if (!fs.existsSync(data.dir)) return undefined;
  const nodes: ClusterNode[] = [];
  for (const [i, layout] of data.nodes.entries()) {
    const node = rabbitNodeFromLayout(layout);
    if (!node) return undefined;
    nodes.push(Object.assign(node, { index: i + 1 }));
  }
  const cluster = clusterApi(nodes, async () => {});
  clusters.set(cluster, data);
  return cluster;
}

/** The cluster's dir, for logs (each node's `log/rabbit.log` is under it). */
export function clusterDir(cluster: RabbitCluster): string | undefined {
  const data = clusters.get(cluster);
  return data ? path.resolve(data.dir) : undefined;
}
