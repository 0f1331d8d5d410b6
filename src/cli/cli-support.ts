import readline from 'node:readline/promises';
import pino from 'pino';
import { QueueAdmin } from '../admin/queue-admin';
import { connect } from '../client/connect';
import type { WarrenClient } from '../client/warren-client';
import { loadConfig } from '../config/load-config';
import type { ResolvedConfig } from '../config/resolved-config';
import { WarrenError } from '../errors';
import { scanRegistry } from '../registry/scan-registry';
import { TopologyNames } from '../topology/topology';
import { openTransport } from '../transport/open-transport';

/** Exit codes scripts can rely on. */
export const EXIT = {
  ok: 0,
  /** The task failed, or the operation did. */
  failed: 1,
  /** Wrong usage, or a confirmation was refused. */
  usage: 2,
  /** No broker, no runtime serving the task, or no reply in time. */
  unavailable: 3,
  /** Done in part: a replay left dead letters it could not replay (each named with its reason). */
  partial: 4,
} as const;

/** An error that says which exit code it deserves. */
export class CliError extends WarrenError {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

export interface CommonOptions {
  readonly config?: string;
  readonly json?: boolean;
}

/** The config, refusing the embedded broker: a command in its own process cannot see another process's memory. */
export function loadBrokerConfig(options: CommonOptions, command: string): ResolvedConfig {
  const config = loadConfig(options.config);
  if (!config.broker.url || config.broker.url.startsWith('memory://')) {
    throw new CliError(`warren ${command} needs RabbitMQ: set WARREN_BROKER_URL (or broker.url in the config). The embedded broker lives inside one process.`, EXIT.usage);
  }
  return config;
}

/**
 * A client for one command. Given the command's `--timeout`, a publish waits no longer than it
 * (while reconnecting, or while a resource alarm blocks publishes): the command keeps its timeout
 * and fails saying why.
 */
export async function openClient(config: ResolvedConfig, timeoutMs?: number): Promise<WarrenClient> {
  const publishTimeoutMs = timeoutMs === undefined ? config.broker.publishTimeoutMs : Math.max(1, Math.min(timeoutMs, config.broker.publishTimeoutMs));
  return connect({ config: { ...config, broker: { ...config.broker, publishTimeoutMs } }, logger: pino({ level: 'silent' }) });
}

export async function openAdmin(config: ResolvedConfig): Promise<{ admin: QueueAdmin; close: () => Promise<void> }> {
  const transport = await openTransport(config.broker.url, { connectionName: `warren cli ${process.pid}`, publishTimeoutMs: config.broker.publishTimeoutMs, username: config.broker.username, password: config.broker.password });
  return { admin: new QueueAdmin(transport, new TopologyNames(config.broker.namespace)), close: () => transport.close() };
}

/**
 * The short name of a queue as given on the command line: `crawl`, or as `warren queues` prints
 * it, `warren.crawl` (or its dead-letter queue, `warren.crawl.dead`). A queue the broker does not
 * have is a usage error that names the queues there are, not the broker's 404.
 */
export async function knownQueue(admin: QueueAdmin, config: ResolvedConfig, given: string): Promise<string> {
  const prefix = `${config.broker.namespace}.`;
  const unprefixed = given.startsWith(prefix) ? given.slice(prefix.length) : given;
  const queue = unprefixed.endsWith('.dead') && !(await admin.exists(unprefixed)) ? unprefixed.slice(0, -'.dead'.length) : unprefixed;
  if (await admin.exists(queue)) return queue;
  const declared = await queueNames(config).catch(() => [] as string[]);
  throw new CliError(
    `No queue '${given}' on namespace '${config.broker.namespace}' (no ${prefix}${queue} on the broker)${declared.length ? `; the job files declare: ${declared.join(', ')}` : ''}`,
    EXIT.usage,
  );
}

/** The queues the config's job files declare. */
export async function queueNames(config: ResolvedConfig): Promise<string[]> {
  return (await scanRegistry(config)).queues().map((queue) => queue.name).sort();
}

/** Asks on the terminal unless `--yes`; without a terminal, refuses rather than guess. */
export async function confirm(question: string, yes: boolean | undefined): Promise<void> {
  if (yes) return;
  if (!process.stdin.isTTY) throw new CliError(`${question} Refusing without a terminal to ask: pass --yes to confirm.`, EXIT.usage);
  const prompt = readline.createInterface({ input: process.stdin, output: process.stderr });
  const answer = await prompt.question(`${question} [y/N] `);
  prompt.close();
  if (!/^y(es)?$/i.test(answer.trim())) throw new CliError('Not confirmed: nothing was changed.', EXIT.usage);
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function print(lines: string | readonly string[]): void {
  process.stdout.write(`${typeof lines === 'string' ? lines : lines.join('\n')}\n`);
}
