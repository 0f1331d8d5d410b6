/**
 * A throwaway PostgreSQL server for the tests, as rabbitmq-node.ts is for RabbitMQ: Debian's
 * `postgresql` package (installed with apt-get when absent, as root), a cluster made by `initdb` in
 * a temp dir owned by user `postgres`, started by `pg_ctl` on a free loopback port with its socket
 * in that dir, trust auth for loopback only. `stop()` removes it all; `restart()` and `kill()` are
 * for the fault suite (a clean restart, and the postmaster SIGKILLed).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { runLogged } from './run-logged';

export const ENV_POSTGRES_URL = 'WARREN_TEST_POSTGRES_URL';
export const ENV_POSTGRES_DIR = 'WARREN_TEST_POSTGRES_DIR';
export const ENV_POSTGRES_PORT = 'WARREN_TEST_POSTGRES_PORT';

type Log = (line: string) => void;

export interface PostgresNode {
  /** postgres://warren@127.0.0.1:<port>/postgres */
  readonly url: string;
  readonly port: number;
  /** The cluster's data dir (and socket dir). */
  readonly dir: string;
  /** Stops it cleanly (`pg_ctl stop -m fast`) and starts it again on the same port and data. */
  restart(options?: { downMs?: number }): Promise<void>;
  /** Stops it cleanly; `start()` brings it back. */
  halt(): Promise<void>;
  start(): Promise<void>;
  /** SIGKILLs the postmaster: a crash, recovered from the WAL at the next start. */
  kill(): void;
  /** Stops it and deletes its dir. */
  stop(): Promise<void>;
}

/** The binaries of the newest PostgreSQL Debian installed, or undefined. */
export function postgresBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!fs.existsSync(root)) return undefined;
  const versions = fs
    .readdirSync(root)
    .filter((version) => fs.existsSync(path.join(root, version, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] && path.join(root, versions[0], 'bin');
}

const isRoot = (): boolean => process.getuid?.() === 0;

/** Installs Debian's postgresql when it is missing, without letting the package start its own cluster. */
export async function ensurePostgresInstalled(log: Log = () => {}): Promise<void> {
  if (postgresBinDir()) return;
  if (!isRoot()) throw new Error("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/pg_ctl). Install it as root: sudo apt-get install -y postgresql");
  log('postgresql not found: installing it with apt-get');
  const policy = '/usr/sbin/policy-rc.d';
  const policyBody = '#!/bin/sh\n# temporary, written by warren test/support/postgres-node.ts\nexit 101\n';
  const wrotePolicy = !fs.existsSync(policy);
  if (wrotePolicy) fs.writeFileSync(policy, policyBody, { mode: 0o755 });
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    await runLogged('apt-get', ['update'], env, log, { echo: true });
    await runLogged('apt-get', ['install', '-y', '--no-install-recommends', 'postgresql'], env, log, { echo: true });
  } finally {
    if (wrotePolicy && fs.readFileSync(policy, 'utf8') === policyBody) fs.rmSync(policy);
  }
  if (!postgresBinDir()) throw new Error('apt-get install postgresql finished but pg_ctl is still not found');
  log('postgresql installed');
}

/** Runs a PostgreSQL binary as user `postgres` when we are root (initdb and postgres refuse root). */
function asPostgres(binary: string, args: string[]): string {
  const bin = path.join(postgresBinDir() as string, binary);
  const [cmd, argv] = isRoot() ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  return execFileSync(cmd, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export async function startPostgres(options: { log?: Log } = {}): Promise<PostgresNode> {
  const log = options.log ?? (() => {});
  if (!postgresBinDir()) throw new Error('PostgreSQL is not installed: call ensurePostgresInstalled() first');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warren-pg-'));
  fs.chmodSync(dir, 0o700);
  if (isRoot()) execFileSync('chown', ['postgres:postgres', dir]);
  const port = await freePort();
  asPostgres('initdb', ['-D', dir, '-U', 'warren', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
  // Loopback only; fsync off: a test node's data need not survive the machine, only its processes.
  fs.appendFileSync(path.join(dir, 'postgresql.conf'), `\nlisten_addresses = '127.0.0.1'\nport = ${port}\nunix_socket_directories = '${dir}'\nfsync = off\nmax_connections = 200\n`);
  const node = controlFor(dir, port, log);
  await node.start();
  log(`postgres: started on 127.0.0.1:${port} (${dir})`);
  return node;
}

/** The handle of a node another process started, from the runner's env. */
export function postgresNodeFromEnv(env: NodeJS.ProcessEnv = process.env): PostgresNode | undefined {
  const dir = env[ENV_POSTGRES_DIR];
  const port = Number(env[ENV_POSTGRES_PORT]);
  if (!dir || !port || !fs.existsSync(dir) || !postgresBinDir()) return undefined;
  return controlFor(dir, port, () => {});
}

export function postgresNodeEnv(node: PostgresNode): Record<string, string> {
  return { [ENV_POSTGRES_URL]: node.url, [ENV_POSTGRES_DIR]: node.dir, [ENV_POSTGRES_PORT]: String(node.port) };
}

function controlFor(dir: string, port: number, log: Log): PostgresNode {
  const url = `postgres://warren@127.0.0.1:${port}/postgres`;
  const logFile = path.join(dir, 'server.log');
  const start = async (): Promise<void> => {
    asPostgres('pg_ctl', ['-D', dir, '-l', logFile, '-w', '-t', '60', 'start']);
  };
  const halt = async (): Promise<void> => {
    asPostgres('pg_ctl', ['-D', dir, '-m', 'fast', '-w', 'stop']);
  };
  return {
    url,
    port,
    dir,
    start,
    halt,
    async restart({ downMs = 0 } = {}) {
      await halt();
      if (downMs > 0) await new Promise((resolve) => setTimeout(resolve, downMs));
      await start();
    },
    kill() {
      const pid = Number(fs.readFileSync(path.join(dir, 'postmaster.pid'), 'utf8').split('\n')[0]);
      // Its backends notice the postmaster gone and exit; pg_ctl start takes the stale pid file and recovers from the WAL.
      process.kill(pid, 'SIGKILL');
    },
    async stop() {
      try {
        await halt();
      } catch (error) {
        log(`postgres: stop failed: ${String(error)}`);
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
