/**
 * What a test file needs from outside the process, declared at the top of the file:
 *
 *   const broker = requireBroker();        // an AMQP URL: WARREN_TEST_BROKER_URL
 *   describe('...', { skip: broker.skip }, () => { ... broker.url ... });
 *
 *   const node = requireRabbitNode();      // that URL plus rabbitmqctl on its node: WARREN_TEST_RABBIT_*
 *   describe('...', { skip: node.skip }, () => { ... node.listQueues() ... });
 *
 * Met: `skip` is false. Missing: `skip` is the reason, naming the env vars, and node:test prints it
 * beside the skipped suite. With CI=true a missing requirement also adds a failing test that says
 * what is missing, so a run without its broker can never pass in CI (dramatiq's conftest: skip
 * locally, fail in CI). Reading `url` or a node method while unmet throws.
 *
 * Test files gate through these rather than rabbitNodeFromEnv(), so that the runner and CI see
 * what they need: test/run.ts --unit leaves out every file whose source calls requireBroker( or
 * requireRabbitNode( (or that is named *.rabbitmq.test.ts), so the unit tier never reaches these;
 * if one is reached there anyway (the call hidden in another module), it fails, since the runner
 * could not see what the file needs.
 */
import * as path from 'node:path';
import { test } from 'node:test';
import { ENV_POSTGRES_URL } from './postgres-node';
import { ENV_AMQP_PORT, ENV_BROKER_URL, ENV_EPMD_PORT, ENV_NODE_DIR, ENV_NODE_NAME, rabbitNodeFromEnv, type RabbitNode } from './rabbitmq-node';
import { ENV_CLUSTER, rabbitClusterFromEnv, type RabbitCluster } from './rabbitmq-cluster';

/** Set by test/run.ts for the test processes: `unit` when it runs the broker-free tier only. */
export const ENV_TEST_TIER = 'WARREN_TEST_TIER';

export interface BrokerRequirement {
  /** false when met; otherwise why not, for node:test's `skip` option. */
  readonly skip: string | false;
  /** The broker's AMQP URL; throws when unmet, so read it only inside the gated tests. */
  readonly url: string;
}

/** The node's handle (RabbitNode) with the requirement's `skip`; its members throw when unmet. */
export type RabbitNodeRequirement = RabbitNode & { readonly skip: string | false };

/** A RabbitMQ broker reachable over AMQP, given by WARREN_TEST_BROKER_URL. */
export function requireBroker(env: NodeJS.ProcessEnv = process.env): BrokerRequirement {
  const url = env[ENV_BROKER_URL];
  const skip = gate(url ? undefined : `needs a RabbitMQ broker: ${ENV_BROKER_URL} is unset (npm test starts a throwaway node and sets it)`, 'a RabbitMQ broker', env);
  return url && !skip ? { skip: false, url } : unmet<BrokerRequirement>(skip as string); // skip is false only when met
}

/** A broker URL and rabbitmqctl control over its node (WARREN_TEST_RABBIT_*, set for the runner's own node). */
export function requireRabbitNode(env: NodeJS.ProcessEnv = process.env): RabbitNodeRequirement {
  const node = rabbitNodeFromEnv(env);
  const skip = gate(node ? undefined : rabbitNodeMissing(env), 'rabbitmqctl on a RabbitMQ node', env);
  return node && !skip ? Object.assign(node, { skip: false as const }) : unmet<RabbitNodeRequirement>(skip as string);
}

function rabbitNodeMissing(env: NodeJS.ProcessEnv): string {
  const unset = [ENV_BROKER_URL, ENV_NODE_NAME, ENV_NODE_DIR, ENV_AMQP_PORT, ENV_EPMD_PORT].filter((name) => !env[name]);
  if (unset.length === 0) {
    return `needs rabbitmqctl on the broker's node: rabbitmq-server is not installed here, or ${ENV_NODE_DIR}=${env[ENV_NODE_DIR]} does not exist`;
  }
  return `needs rabbitmqctl on the broker's node: ${unset.join(', ')} unset (npm test sets them for the node it starts when ${ENV_BROKER_URL} is unset)`;
}

/**
 * The `skip` of a requirement whose reason (undefined: met) is given. A missing requirement fails
 * the file, through a test that says what is missing, under CI=true; in the unit tier any
 * requirement fails it, since the runner should have left the file out.
 */
function gate(reason: string | undefined, what: string, env: NodeJS.ProcessEnv): string | false {
  const file = process.argv[1] ? path.relative(process.cwd(), process.argv[1]) : 'this file';
  if (env[ENV_TEST_TIER] === 'unit') {
    failingTest(
      `requires ${what}, but runs in the unit tier`,
      `${file} needs ${what}, but test/run.ts --unit selected it: call requireBroker(), requireRabbitNode() or requirePostgres() in the test file itself, where the runner looks for it`,
    );
    return reason ?? 'the unit tier runs no RabbitMQ suites';
  }
  if (reason === undefined) return false;
  if (inCi(env)) failingTest(`requires ${what} (CI=${env['CI']})`, `${file} ${reason}. In CI a missing requirement fails instead of skipping`);
  return reason;
}

/** CI=true (GitHub, GitLab, CircleCI and Travis set it) or CI=1. */
export function inCi(env: NodeJS.ProcessEnv = process.env): boolean {
  return env['CI'] === 'true' || env['CI'] === '1';
}

function failingTest(name: string, message: string): void {
  void test(name, () => {
    throw new Error(message);
  });
}

/** The requirement's value when it is missing: `skip` holds the reason, every other member throws it. */
function unmet<T extends { skip: string | false }>(reason: string): T {
  return new Proxy({ skip: reason } as T, {
    get(target, key) {
      // symbols and `then`: util.inspect and await probe objects; answer as a plain object would
      if (key === 'skip' || typeof key === 'symbol' || key === 'then') return Reflect.get(target, key);
      throw new Error(`${String(key)} is not available: ${reason}`);
    },
  });
}

/** The runner's three-node cluster's handle with the requirement's `skip`; its members throw when unmet. */
export type RabbitClusterRequirement = RabbitCluster & { readonly skip: string | false };

/** The three-node RabbitMQ cluster test/run.ts starts for `*.cluster.test.ts` files (WARREN_TEST_CLUSTER). */
export function requireCluster(env: NodeJS.ProcessEnv = process.env): RabbitClusterRequirement {
  const cluster = rabbitClusterFromEnv(env);
  const reason = cluster ? undefined : env[ENV_CLUSTER] ? `needs the RabbitMQ cluster: the nodes' directories in ${ENV_CLUSTER} are gone` : `needs a three-node RabbitMQ cluster: ${ENV_CLUSTER} is unset (npm test starts one for files named *.cluster.test.ts)`;
  const skip = gate(reason, 'a RabbitMQ cluster', env);
  return cluster && !skip ? Object.assign(cluster, { skip: false as const }) : unmet<RabbitClusterRequirement>(skip as string);
}

/** A PostgreSQL server for result-store tests: WARREN_TEST_POSTGRES_URL (npm test starts a throwaway one). */
export function requirePostgres(env: NodeJS.ProcessEnv = process.env): BrokerRequirement {
  const url = env[ENV_POSTGRES_URL];
  const skip = gate(url ? undefined : `needs PostgreSQL: ${ENV_POSTGRES_URL} is unset (npm test starts a throwaway server and sets it)`, 'a PostgreSQL server', env);
  return url && !skip ? { skip: false, url } : unmet<BrokerRequirement>(skip as string);
}
