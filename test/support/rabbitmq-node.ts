/**
 * Throwaway RabbitMQ nodes for the test suite.
 *
 * `startRabbitNode()` boots a private broker that shares nothing with a
 * system-wide RabbitMQ installation:
 *   - its own node name (`warren-test-<random>@localhost`), AMQP port, Erlang
 *     distribution port and epmd port (all picked free on 127.0.0.1);
 *   - its own epmd, spawned by us as a plain (non-daemon) child so we hold its PID
 *     and the system epmd on 4369 is never used, shared or killed (a cluster's nodes
 *     instead share one epmd and cookie: options epmdPort, cookie, nodeName; see
 *     rabbitmq-cluster.ts);
 *   - its own base dir under os.tmpdir() (mnesia, logs, config, empty plugin
 *     list, Erlang cookie via HOME), removed again by `stop()`;
 *   - it never reads /etc/rabbitmq (RABBITMQ_CONF_ENV_FILE, RABBITMQ_CONFIG_FILE,
 *     RABBITMQ_CONFIG_FILES and RABBITMQ_ADVANCED_CONFIG_FILE point into the base dir).
 *
 * When we run as root the broker and rabbitmqctl run as the `rabbitmq` user
 * (like the Debian wrapper would do via `su`), and the base dir is chowned to
 * it. We bypass the Debian wrapper (/usr/sbin/rabbitmq-server -> su) and spawn
 * the real scripts in /usr/lib/rabbitmq/bin directly with uid/gid, because the
 * wrapper resets HOME (cookie) and hides the broker PID behind `su`.
 *
 * Processes we start (and are the only ones we ever signal):
 *   epmd        - our child (`epmd -port P -address 127.0.0.1`, not -daemon);
 *   sh          - our child, the /usr/lib/rabbitmq/bin/rabbitmq-server script;
 *   beam.smp    - child of that sh (exec'd, so no extra layers); PID from
 *                 RABBITMQ_PID_FILE, and only signalled after checking that its
 *                 command line holds our unique base dir (`-home <dir>`). kill() and
 *                 restart() find it the same way, so a handle from the env (a test
 *                 file) can use them too: its restart boots the node detached, and
 *                 the owner's stop() still finds it by the PID file.
 *   rabbitmqctl - short-lived children of ctl() (SIGKILLed on timeout).
 * rabbitmqctl is refused once our epmd is gone: its ensure_epmd would otherwise
 * daemonize an `epmd -daemon` on our port that nobody owns.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { runLogged } from './run-logged';

export interface RabbitNode {
  readonly url: string; // amqp://guest:guest@127.0.0.1:<port>
  readonly nodeName: string; // e.g. warren-test-<random>@localhost
  readonly port: number;
  /** runs rabbitmqctl -n <node> with the node's env; resolves stdout, rejects with stderr on failure */
  ctl(args: string[]): Promise<string>;
  /** list_queues as objects (`rabbitmqctl list_queues name messages consumers arguments --formatter json`) */
  listQueues(): Promise<Array<{ name: string; messages: number; consumers: number; arguments: Record<string, unknown> }>>;
  /** rabbitmqctl stop_app (broker down, Erlang node alive) — for fault tests */
  stopApp(): Promise<void>;
  /** rabbitmqctl start_app, then await_startup */
  startApp(): Promise<void>;
  /** beam.smp's PID while the node runs (read from its PID file, checked by command line). */
  beamPid(): number | undefined;
  /** SIGKILL beam.smp, no shutdown (a crashed host, to the rest of a cluster); resolves once it is gone. */
  kill(): Promise<void>;
  /** The Erlang VM stopped (if it runs) and booted again on the same dir and ports; resolves after await_startup. */
  restart(): Promise<void>;
  /**
   * Stop the node: rabbitmqctl stop, then make sure every PID we spawned is gone
   * (SIGKILL after a bound), remove the temp dir. Idempotent.
   * On a handle from `rabbitNodeFromEnv()` this is a no-op: the test runner owns the node.
   */
  stop(): Promise<void>;
}

type Log = (line: string) => void;

/** Env vars through which test/run.ts hands the node to the test files (see rabbitNodeFromEnv). */
export const ENV_BROKER_URL = 'WARREN_TEST_BROKER_URL';
export const ENV_NODE_NAME = 'WARREN_TEST_RABBIT_NODE';
export const ENV_NODE_DIR = 'WARREN_TEST_RABBIT_DIR';
export const ENV_AMQP_PORT = 'WARREN_TEST_RABBIT_PORT';
export const ENV_DIST_PORT = 'WARREN_TEST_RABBIT_DIST_PORT';
export const ENV_EPMD_PORT = 'WARREN_TEST_RABBIT_EPMD_PORT';

const INSTALL_CMD = 'apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends rabbitmq-server';
const STARTUP_TIMEOUT_MS = 60_000;
const CTL_TIMEOUT_MS = 90_000;
const STOP_GRACE_MS = 15_000;
const KILL_GRACE_MS = 5_000;

// ---------------------------------------------------------------- install

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function whichSync(cmd: string): string | undefined {
  const dirs = (process.env['PATH'] ?? '').split(path.delimiter).filter(Boolean);
  for (const dir of [...dirs, '/usr/sbin', '/usr/local/sbin', '/sbin']) {
    const candidate = path.join(dir, cmd);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/**
 * Directory holding the real `rabbitmq-server` / `rabbitmqctl` scripts (not
 * Debian's `su` wrapper in /usr/sbin), or undefined when RabbitMQ is missing.
 */
function rabbitScriptsDir(): string | undefined {
  const debian = '/usr/lib/rabbitmq/bin';
  if (isExecutable(path.join(debian, 'rabbitmq-server'))) return debian;
  const onPath = whichSync('rabbitmq-server');
  if (!onPath) return undefined;
  const real = fs.realpathSync(onPath);
  if (path.basename(real) === 'rabbitmq-script-wrapper') return undefined; // wrapper without its scripts: broken install
  return path.dirname(real);
}


/**
 * Installs Debian's rabbitmq-server when it is missing (root only; otherwise
 * throws with the command to run). Service start-up during the install is
 * suppressed with a temporary /usr/sbin/policy-rc.d (only if none exists; it
 * is removed again afterwards), so no system node is left running.
 */
export async function ensureRabbitMqInstalled(log: Log = () => {}): Promise<void> {
  if (isExecutable('/usr/sbin/rabbitmq-server') || whichSync('rabbitmq-server')) {
    if (rabbitScriptsDir()) return;
  }
  if (!isRoot()) {
    throw new Error(
      'RabbitMQ server is not installed (no rabbitmq-server in /usr/sbin or on PATH). ' +
        `Install it as root: sudo sh -c '${INSTALL_CMD}'`,
    );
  }
  log('rabbitmq-server not found: installing it with apt-get (this takes a minute)');
  const policy = '/usr/sbin/policy-rc.d';
  const policyBody = '#!/bin/sh\n# temporary, written by warren test/support/rabbitmq-node.ts\nexit 101\n';
  let wrotePolicy = false;
  if (!fs.existsSync(policy)) {
    fs.writeFileSync(policy, policyBody, { mode: 0o755 });
    wrotePolicy = true;
    log(`wrote temporary ${policy} (exit 101) so the package does not start a system node`);
  } else {
    log(`existing ${policy} left as is`);
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    await runLogged('apt-get', ['update'], env, log, { echo: true });
    await runLogged('apt-get', ['install', '-y', '--no-install-recommends', 'rabbitmq-server'], env, log, { echo: true });
  } finally {
    if (wrotePolicy) {
      try {
        if (fs.readFileSync(policy, 'utf8') === policyBody) {
          fs.rmSync(policy);
          log(`removed temporary ${policy}`);
        }
      } catch {
        // already gone
      }
    }
  }
  if (!rabbitScriptsDir()) throw new Error('apt-get install rabbitmq-server finished but rabbitmq-server is still not found');
  log('rabbitmq-server installed');
}

// ---------------------------------------------------------------- node layout & env

interface NodeLayout {
  nodeName: string;
  baseDir: string;
  amqpPort: number;
  distPort: number;
  epmdPort: number;
}

interface Identity {
  uid: number;
  gid: number;
}

/**
 * Extra erl args for the node and the CLI: distribution listens on loopback only;
 * `-start_epmd false` stops `erl` itself from daemonizing an epmd. (rabbitmqctl's
 * own ensure_epmd still spawns `epmd -daemon` when none answers on ERL_EPMD_PORT,
 * which is why runCtl refuses to run when our epmd is not listening.)
 */
const ERLANG_DIST_ARGS = '-start_epmd false -kernel inet_dist_use_interface {127,0,0,1}';

/** Variables we must not inherit from the parent (they would redirect or reconfigure the node / CLI). */
function isForeignVar(key: string): boolean {
  return (
    key.startsWith('RABBITMQ_') ||
    key.startsWith('ERL_') ||
    key === 'NOTIFY_SOCKET' || // would make rabbitmq-server think it runs under systemd
    key === 'NODENAME' ||
    key === 'CONF_ENV_FILE'
  );
}

function nodeEnv(layout: NodeLayout): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!isForeignVar(key)) env[key] = value;
  }
  const dir = layout.baseDir;
  return {
    ...env,
    HOME: dir, // $HOME/.erlang.cookie: same cookie for the node and rabbitmqctl
    LANG: env['LANG'] ?? 'C.UTF-8',
    LC_ALL: 'C.UTF-8', // the Elixir CLI warns without a UTF-8 locale
    RABBITMQ_NODENAME: layout.nodeName,
    RABBITMQ_USE_LONGNAME: 'false',
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: String(layout.amqpPort),
    RABBITMQ_DIST_PORT: String(layout.distPort),
    RABBITMQ_CONF_ENV_FILE: path.join(dir, 'rabbitmq-env.conf'),
    RABBITMQ_CONFIG_FILE: path.join(dir, 'rabbitmq.conf'),
    RABBITMQ_CONFIG_FILES: path.join(dir, 'conf.d'),
    RABBITMQ_ADVANCED_CONFIG_FILE: path.join(dir, 'advanced.config'),
    RABBITMQ_ENABLED_PLUGINS_FILE: path.join(dir, 'enabled_plugins'),
    RABBITMQ_MNESIA_BASE: path.join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: path.join(dir, 'log'),
    RABBITMQ_LOGS: path.join(dir, 'log', 'rabbit.log'),
    RABBITMQ_PID_FILE: path.join(dir, 'rabbit.pid'),
    RABBITMQ_MOTD_FILE: path.join(dir, 'motd'),
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: ERLANG_DIST_ARGS,
    // rabbitmqctl: loopback-only distribution listener on an ephemeral port
    // (default is the fixed range 35672-35682, shared with every other CLI on the machine)
    RABBITMQ_CTL_ERL_ARGS: ERLANG_DIST_ARGS,
    RABBITMQ_CTL_DIST_PORT_MIN: '0',
    RABBITMQ_CTL_DIST_PORT_MAX: '0',
    ERL_EPMD_PORT: String(layout.epmdPort),
    ERL_EPMD_ADDRESS: '127.0.0.1',
  };
}

/** When root, run broker and CLI as the owner of the base dir (user `rabbitmq`). */
function identityFor(baseDir: string): Identity | undefined {
  if (!isRoot()) return undefined;
  const st = fs.statSync(baseDir);
  return st.uid === 0 ? undefined : { uid: st.uid, gid: st.gid };
}

function lookupUser(name: string): Identity | undefined {
  try {
    const line = execFileSync('getent', ['passwd', name], { encoding: 'utf8' }).trim();
    const [, , uid, gid] = line.split(':');
    if (uid === undefined || gid === undefined) return undefined;
    return { uid: Number(uid), gid: Number(gid) };
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------- rabbitmqctl

async function runCtl(
  scriptsDir: string,
  layout: NodeLayout,
  ident: Identity | undefined,
  args: string[],
  timeoutMs = CTL_TIMEOUT_MS,
): Promise<string> {
  // Without our epmd the CLI would start an unowned `epmd -daemon` on our port, and
  // without the base dir it has no cookie: both mean the node was stopped.
  if (!fs.existsSync(layout.baseDir) || !(await canConnect(layout.epmdPort))) {
    throw new Error(`rabbitmqctl ${args.join(' ')}: node ${layout.nodeName} is gone (its epmd/base dir no longer exist)`);
  }
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(scriptsDir, 'rabbitmqctl'), ['-n', layout.nodeName, ...args], {
      env: nodeEnv(layout),
      cwd: layout.baseDir,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(ident ?? {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      stderr += `\n(rabbitmqctl ${args.join(' ')} timed out after ${timeoutMs} ms)`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(stdout);
      else {
        const detail = (stderr.trim() || stdout.trim() || `exit ${code ?? signal}`).slice(0, 4000);
        reject(new Error(`rabbitmqctl ${args.join(' ')} failed (${signal ?? `exit ${code}`}): ${detail}`));
      }
    });
  });
}

type QueueRow = { name: string; messages: number; consumers: number; arguments: Record<string, unknown> };

/**
 * rabbitmqctl's JSON formatter renders AMQP tables as lists of
 * [key, type, value] (e.g. [["x-max-length","byte",5]]), nested tables the same
 * way; arrays come out as {type: value} objects (lossy in rabbitmqctl 3.10: one
 * element per type survives). Turn all of it into plain JSON values.
 */
function fieldValue(type: unknown, value: unknown): unknown {
  if (type === 'table') return amqpTable(value);
  if (type === 'array' && Array.isArray(value)) {
    return (value as unknown[]).map((item) => (Array.isArray(item) && item.length === 2 ? fieldValue(item[0], item[1]) : item));
  }
  if (type === 'array' && value && typeof value === 'object') {
    // rabbitmqctl 3.10 renders arrays as {type: value} objects (lossy: one element per type)
    return Object.entries(value).map(([t, v]) => fieldValue(t, v));
  }
  return value;
}

function amqpTable(raw: unknown): Record<string, unknown> {
  if (raw && typeof raw === 'object' && !Array.isArray(raw)) return raw as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  if (Array.isArray(raw)) {
    for (const entry of raw as unknown[]) {
      if (Array.isArray(entry) && typeof entry[0] === 'string') {
        out[entry[0]] = entry.length >= 3 ? fieldValue(entry[1], entry[2]) : entry[1];
      }
    }
  }
  return out;
}

function parseQueues(stdout: string): QueueRow[] {
  const text = stdout.trim();
  const start = text.indexOf('[');
  if (start < 0) return [];
  const rows = JSON.parse(text.slice(start)) as Array<Record<string, unknown>>;
  return rows.map((r) => ({
    name: String(r['name']),
    messages: Number(r['messages'] ?? 0),
    consumers: Number(r['consumers'] ?? 0),
    arguments: amqpTable(r['arguments']),
  }));
}

function makeCtlApi(scriptsDir: string, layout: NodeLayout, ident: Identity | undefined) {
  const ctl = async (args: string[]): Promise<string> => {
    // A list_* command walks every queue process of the node; one that another test file deletes
    // meanwhile makes the whole command fail with {badrpc, {'EXIT', {noproc, ...}}}. Asked again,
    // it lists the queues there are. Other commands, and other failures, are not retried.
    const listing = args.some((arg) => arg.startsWith('list_'));
    for (let attempt = 1; ; attempt++) {
      try {
        return await runCtl(scriptsDir, layout, ident, args);
      } catch (error) {
        if (!listing || attempt >= 3 || !/noproc/.test((error as Error).message)) throw error;
      }
    }
  };
  return {
    ctl,
    async listQueues(): Promise<QueueRow[]> {
      return parseQueues(await ctl(['-q', 'list_queues', 'name', 'messages', 'consumers', 'arguments', '--formatter', 'json']));
    },
    async stopApp(): Promise<void> {
      await ctl(['stop_app']);
    },
    async startApp(): Promise<void> {
      await ctl(['start_app']);
      await ctl(['await_startup', '--timeout', String(STARTUP_TIMEOUT_MS / 1000)]);
    },
  };
}

// ---------------------------------------------------------------- processes

function freePorts(count: number): Promise<number[]> {
  // keep all servers open until every port is known, so the ports are distinct
  const servers: net.Server[] = [];
  const listenOne = (): Promise<number> =>
    new Promise((resolve, reject) => {
      const srv = net.createServer();
      servers.push(srv);
      srv.once('error', reject);
      srv.listen(0, '127.0.0.1', () => resolve((srv.address() as net.AddressInfo).port));
    });
  return (async () => {
    try {
      const ports: number[] = [];
      for (let i = 0; i < count; i++) ports.push(await listenOne());
      return ports;
    } finally {
      await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    }
  })();
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** alive and not a zombie */
function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return true; // no /proc: trust kill(0)
  }
}

function cmdlineOf(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

/** PIDs whose command line contains every needle (Linux /proc; empty elsewhere). */
function pidsWithCmdline(...needles: string[]): number[] {
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return [];
  }
  return entries.map(Number).filter((pid) => {
    const cmd = cmdlineOf(pid);
    return cmd !== '' && needles.every((n) => cmd.includes(n));
  });
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (exited(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

async function waitPidGone(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!pidAlive(pid)) return true;
    await sleep(50);
  }
  return !pidAlive(pid);
}

function kill(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(pid, signal);
  } catch {
    // gone
  }
}

function tailOf(file: string, lines = 40): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return `(no ${path.basename(file)})`;
  }
}

/** Layout of nodes created by startRabbitNode, for rabbitNodeEnv(). */
const layouts = new WeakMap<RabbitNode, NodeLayout>();

// Nodes and epmds not yet stopped; killed synchronously if the process exits without stop().
const liveNodes = new Set<{ killNow(): void }>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const n of liveNodes) n.killNow();
  });
}

// ---------------------------------------------------------------- start

function writeFileAs(file: string, body: string, mode: number): void {
  fs.writeFileSync(file, body, { mode });
  fs.chmodSync(file, mode); // not subject to umask
}

function chownTree(dir: string, ident: Identity): void {
  fs.chownSync(dir, ident.uid, ident.gid);
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) chownTree(p, ident);
    else fs.chownSync(p, ident.uid, ident.gid);
  }
}

function requireScriptsDir(): string {
  const scriptsDir = rabbitScriptsDir();
  if (!scriptsDir) throw new Error('rabbitmq-server is not installed: call ensureRabbitMqInstalled() first');
  return scriptsDir;
}

/** When root, the identity the broker runs as (user `rabbitmq`); undefined otherwise. */
export function brokerIdentity(): Identity | undefined {
  if (!isRoot()) return undefined;
  const ident = lookupUser('rabbitmq');
  if (!ident) throw new Error('running as root but there is no `rabbitmq` user to run the broker as');
  return ident;
}

export type { Identity as BrokerIdentity };

/** A fresh directory under `parent` (default os.tmpdir()), usable by the broker's user. */
export function makeBrokerDir(prefix: string, ident: Identity | undefined, parent = os.tmpdir()): string {
  const dir = fs.mkdtempSync(path.join(parent, prefix));
  if (ident) fs.chownSync(dir, ident.uid, ident.gid);
  return dir;
}

/** A random Erlang cookie: nodes that cluster, and the rabbitmqctl that talks to them, share one. */
export function newErlangCookie(): string {
  return randomBytes(24).toString('hex').toUpperCase();
}

export { freePorts };

// ---------------------------------------------------------------- epmd

/** An epmd we spawned as our own child (`epmd -port P -address 127.0.0.1`, not -daemon). */
export interface Epmd {
  readonly port: number;
  /** SIGTERM, then SIGKILL after a bound; idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts an epmd on a free loopback port, running as the broker's user, its output in
 * `<dir>/epmd.log`. Every node that registers with it can reach the others: Erlang nodes on one
 * host find each other through one epmd.
 */
export async function startEpmd(dir: string, ident: Identity | undefined): Promise<Epmd> {
  const epmdBin = whichSync('epmd') ?? (isExecutable('/usr/lib/erlang/bin/epmd') ? '/usr/lib/erlang/bin/epmd' : undefined);
  if (!epmdBin) throw new Error('epmd (Erlang) not found on PATH');
  const [port] = (await freePorts(1)) as [number];
  const logFile = path.join(dir, 'epmd.log');
  fs.writeFileSync(logFile, '');
  if (ident) fs.chownSync(logFile, ident.uid, ident.gid);
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!isForeignVar(key)) env[key] = value;
  const out = fs.openSync(logFile, 'a');
  const child = spawn(epmdBin, ['-port', String(port), '-address', '127.0.0.1'], { env: { ...env, HOME: dir }, cwd: dir, stdio: ['ignore', out, out], ...(ident ?? {}) });
  fs.closeSync(out);
  child.on('error', () => {}); // reported through exit/port polling below
  const handle = {
    killNow(): void {
      if (!exited(child)) kill(child.pid, 'SIGKILL');
    },
  };
  installExitHook();
  liveNodes.add(handle);
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (!exited(child)) {
        kill(child.pid, 'SIGTERM');
        if (!(await waitExit(child, KILL_GRACE_MS))) {
          kill(child.pid, 'SIGKILL');
          await waitExit(child, KILL_GRACE_MS);
        }
      }
      liveNodes.delete(handle);
    })();
    return stopping;
  };
  const deadline = Date.now() + 5_000;
  while (!(await canConnect(port))) {
    if (exited(child) || Date.now() > deadline) {
      await stop();
      throw new Error(`epmd on port ${port} did not come up:\n${tailOf(logFile)}`);
    }
    await sleep(20);
  }
  return { port, stop };
}

// ---------------------------------------------------------------- one node's processes

/**
 * The broker processes of one node directory, found by its PID file and checked by command
 * line, so that whoever holds the layout (the process that started the node, or a test file
 * given it through the env) can kill it and boot it again, and the owner still stops it.
 * beam.smp is signalled only when its command line holds `-home <our base dir> `.
 */
class NodeProcesses {
  /** The rabbitmq-server script of the latest boot from this process, while it runs. */
  private server: ChildProcess | undefined;

  constructor(
    private readonly scriptsDir: string,
    private readonly layout: NodeLayout,
    private readonly ident: Identity | undefined,
    private readonly log: Log,
  ) {}

  private get serverLog(): string {
    return path.join(this.layout.baseDir, 'server-output.log');
  }

  private ours(pid: number): boolean {
    return Number.isInteger(pid) && pid > 0 && cmdlineOf(pid).includes(`-home ${this.layout.baseDir} `);
  }

  /** beam.smp of the node as it runs now: from RABBITMQ_PID_FILE, else by its command line. */
  beamPid(): number | undefined {
    try {
      const pid = Number(fs.readFileSync(path.join(this.layout.baseDir, 'rabbit.pid'), 'utf8').trim());
      if (this.ours(pid) && pidAlive(pid)) return pid;
    } catch {
      // not written yet, or the dir is gone
    }
    return pidsWithCmdline(`-home ${this.layout.baseDir} `, '-s rabbit boot').find((pid) => this.ours(pid) && pidAlive(pid));
  }

  /**
   * Spawns the broker (the real script, not the Debian su-wrapper; output to a log file) and
   * waits for `await_startup`. `detached`: the node outlives this process (a test file booting
   * the runner's node again; the runner stops it by its PID file).
   */
  async boot(detached = false): Promise<void> {
    const out = fs.openSync(this.serverLog, 'a');
    const server = spawn(path.join(this.scriptsDir, 'rabbitmq-server'), [], {
      env: nodeEnv(this.layout),
      cwd: this.layout.baseDir,
      detached,
      stdio: ['ignore', out, out],
      ...(this.ident ?? {}),
    });
    fs.closeSync(out);
    server.on('error', () => {});
    if (detached) server.unref();
    else this.server = server;
    const serverDied = new Promise<never>((_, reject) => {
      server.once('exit', (code, signal) => reject(new Error(`rabbitmq-server exited during start-up (${signal ?? `exit ${code}`})`)));
    });
    serverDied.catch(() => {});
    const awaitStartup = async (): Promise<void> => {
      const deadline = Date.now() + STARTUP_TIMEOUT_MS;
      // await_startup fails fast while the node is not yet registered in epmd: retry until the deadline
      for (;;) {
        const left = Math.max(1, Math.ceil((deadline - Date.now()) / 1000));
        try {
          await runCtl(this.scriptsDir, this.layout, this.ident, ['await_startup', '--timeout', String(left)], left * 1000 + 10_000);
          return;
        } catch (err) {
          if (Date.now() > deadline || exited(server)) throw err;
          await sleep(200);
        }
      }
    };
    try {
      await Promise.race([awaitStartup(), serverDied]);
    } catch (err) {
      throw new Error(
        `RabbitMQ node ${this.layout.nodeName} failed to start: ${(err as Error).message}\n` +
          `--- server output (tail) ---\n${tailOf(this.serverLog)}\n--- rabbit.log (tail) ---\n${tailOf(path.join(this.layout.baseDir, 'log', 'rabbit.log'))}`,
        { cause: err },
      );
    }
  }

  /** SIGKILL beam.smp (no shutdown: what a crashed host looks like to the cluster), and wait until it is gone. */
  async kill(): Promise<void> {
    const beam = this.beamPid();
    if (beam === undefined) throw new Error(`node ${this.layout.nodeName} has no running beam.smp to kill`);
    kill(beam, 'SIGKILL');
    if (!(await waitPidGone(beam, KILL_GRACE_MS))) throw new Error(`beam.smp ${beam} of ${this.layout.nodeName} still alive after SIGKILL`);
    if (this.server) await waitExit(this.server, KILL_GRACE_MS);
  }

  /** The Erlang VM down: `rabbitmqctl stop`, then signals after a bound. Nothing to do when it is not running. */
  async halt(): Promise<void> {
    const serverRunning = (): boolean => this.server !== undefined && !exited(this.server);
    const beam = this.beamPid();
    if (beam === undefined && !serverRunning()) return;
    if (beam !== undefined) {
      try {
        await runCtl(this.scriptsDir, this.layout, this.ident, ['stop'], STOP_GRACE_MS);
      } catch (err) {
        this.log(`rabbitmqctl stop failed (${(err as Error).message.split('\n')[0]}); signalling the node`);
      }
    }
    const server = this.server;
    if (server && serverRunning() && !(await waitExit(server, STOP_GRACE_MS))) {
      kill(server.pid, 'SIGTERM'); // the script's TERM trap stops beam
      if (!(await waitExit(server, KILL_GRACE_MS))) {
        this.log('rabbitmq-server did not exit: SIGKILL');
        if (beam !== undefined && this.ours(beam)) kill(beam, 'SIGKILL');
        kill(server.pid, 'SIGKILL');
        await waitExit(server, KILL_GRACE_MS);
      }
    }
    if (beam !== undefined && !(await waitPidGone(beam, STOP_GRACE_MS))) {
      this.log(`beam.smp ${beam} still running: SIGKILL`);
      if (this.ours(beam)) kill(beam, 'SIGKILL');
      await waitPidGone(beam, KILL_GRACE_MS);
    }
  }

  /** Synchronous last resort (process exit): SIGKILL beam.smp and our script. */
  killNow(): void {
    const beam = this.beamPid();
    if (beam !== undefined) kill(beam, 'SIGKILL');
    if (this.server && !exited(this.server)) kill(this.server.pid, 'SIGKILL');
  }
}

/** The handle's members that control the node's processes, for the owner and for handles from the env. */
function processControls(procs: NodeProcesses, api: ReturnType<typeof makeCtlApi>, detached: boolean) {
  return {
    beamPid: () => procs.beamPid(),
    kill: () => procs.kill(),
    async restart(): Promise<void> {
      await procs.halt();
      await procs.boot(detached);
      await api.ctl(['await_startup', '--timeout', String(STARTUP_TIMEOUT_MS / 1000)]);
    },
  };
}

// ---------------------------------------------------------------- start

export interface RabbitNodeOptions {
  log?: Log;
  /**
   * Register with this epmd (a cluster's, started and stopped by its owner) instead of starting
   * one of our own.
   */
  epmdPort?: number;
  /** The Erlang cookie; nodes of one cluster share it. Default: a random one. */
  cookie?: string;
  /** Default `warren-test-<random>@localhost`. */
  nodeName?: string;
  /** Where the node's base dir is made (default os.tmpdir()); it must be usable by the broker's user. */
  parentDir?: string;
}

export async function startRabbitNode(options: RabbitNodeOptions = {}): Promise<RabbitNode> {
  const log = options.log ?? (() => {});
  const t0 = Date.now();
  const scriptsDir = requireScriptsDir();
  const ident = brokerIdentity();

  const [amqpPort, distPort] = (await freePorts(2)) as [number, number];
  const id = randomBytes(5).toString('hex');
  const baseDir = fs.mkdtempSync(path.join(options.parentDir ?? os.tmpdir(), `warren-rabbit-${id}-`));
  const nodeName = options.nodeName ?? `warren-test-${id}@localhost`;
  const serverLog = path.join(baseDir, 'server-output.log');

  try {
    fs.mkdirSync(path.join(baseDir, 'mnesia'));
    fs.mkdirSync(path.join(baseDir, 'log'));
    writeFileAs(path.join(baseDir, 'enabled_plugins'), '[].\n', 0o644);
    writeFileAs(path.join(baseDir, 'rabbitmq-env.conf'), '# intentionally empty: do not read /etc/rabbitmq/rabbitmq-env.conf\n', 0o644);
    // Erlang-term config only (advanced.config, no rabbitmq.conf): nothing for cuttlefish to
    // translate, and no /etc/rabbitmq file can leak in. (The node logs a harmless warning
    // "Using RABBITMQ_ADVANCED_CONFIG_FILE".)
    writeFileAs(
      path.join(baseDir, 'advanced.config'),
      [
        '[',
        '  {rabbit, [',
        `    {tcp_listeners, [{"127.0.0.1", ${amqpPort}}]},`,
        '    {loopback_users, [<<"guest">>]},',
        '    %% tests must not hit a disk/memory alarm (it silently blocks publishers)',
        '    {disk_free_limit, 1000000},',
        '    {vm_memory_high_watermark, 0.8},',
        '    {log, [{console, [{enabled, false}]}, {file, [{level, info}]}]}',
        '  ]}',
        '].',
        '',
      ].join('\n'),
      0o644,
    );
    writeFileAs(path.join(baseDir, '.erlang.cookie'), options.cookie ?? newErlangCookie(), 0o400);
    fs.writeFileSync(serverLog, '');
    if (ident) chownTree(baseDir, ident);
  } catch (err) {
    fs.rmSync(baseDir, { recursive: true, force: true });
    throw err;
  }

  let epmd: Epmd | undefined;
  let layout: NodeLayout = { nodeName, baseDir, amqpPort, distPort, epmdPort: options.epmdPort ?? 0 };
  let procs = new NodeProcesses(scriptsDir, layout, ident, log);
  const handle = {
    killNow(): void {
      procs.killNow();
      try {
        fs.rmSync(baseDir, { recursive: true, force: true });
      } catch {
        // best effort
      }
    },
  };
  installExitHook();
  liveNodes.add(handle);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      const t = Date.now();
      await procs.halt();
      await epmd?.stop();
      fs.rmSync(baseDir, { recursive: true, force: true });
      liveNodes.delete(handle);
      log(`rabbitmq node ${nodeName} stopped in ${Date.now() - t} ms`);
    })();
    return stopping;
  };

  try {
    // 1. the epmd it registers with: the one given, or our own child
    if (options.epmdPort === undefined) {
      epmd = await startEpmd(baseDir, ident);
      layout = { ...layout, epmdPort: epmd.port };
      procs = new NodeProcesses(scriptsDir, layout, ident, log);
    }
    log(`starting rabbitmq node ${nodeName} (amqp ${amqpPort}, dist ${distPort}, epmd ${layout.epmdPort}, dir ${baseDir})`);
    // 2. the broker, 3. await_startup, racing against the server dying
    await procs.boot();
  } catch (err) {
    await stop().catch(() => {});
    throw err;
  }

  log(`rabbitmq node ${nodeName} up in ${Date.now() - t0} ms (beam pid ${procs.beamPid() ?? '?'})`);

  const api = makeCtlApi(scriptsDir, layout, ident);
  const node: RabbitNode = {
    url: `amqp://guest:guest@127.0.0.1:${amqpPort}`,
    nodeName,
    port: amqpPort,
    ...api,
    ...processControls(procs, api, false),
    stop,
  };
  layouts.set(node, layout);
  return node;
}

// ---------------------------------------------------------------- env hand-over

/** Env vars that let a test file (a separate process) rebuild a handle via rabbitNodeFromEnv(). */
export function rabbitNodeEnv(node: RabbitNode): Record<string, string> {
  const layout = layouts.get(node);
  const env: Record<string, string> = { [ENV_BROKER_URL]: node.url, [ENV_NODE_NAME]: node.nodeName };
  if (layout) {
    env[ENV_NODE_DIR] = layout.baseDir;
    env[ENV_AMQP_PORT] = String(layout.amqpPort);
    env[ENV_DIST_PORT] = String(layout.distPort);
    env[ENV_EPMD_PORT] = String(layout.epmdPort);
  }
  return env;
}

/** What rabbitNodeFromLayout needs to rebuild a handle in another process. */
export interface NodeLayoutData {
  readonly nodeName: string;
  readonly baseDir: string;
  readonly amqpPort: number;
  readonly distPort: number;
  readonly epmdPort: number;
}

/** The layout of a node started here (for a cluster's env hand-over). */
export function layoutOf(node: RabbitNode): NodeLayoutData | undefined {
  return layouts.get(node);
}

/**
 * A handle to a node another process started, from its layout. ctl / listQueues / stopApp /
 * startApp only need rabbitmqctl with the node's env; kill and restart find beam.smp by the PID
 * file in its base dir (a restart from here boots it detached: it outlives this process, and its
 * owner stops it by that PID file). stop() is a no-op: the owner stops the node.
 */
export function rabbitNodeFromLayout(layout: NodeLayoutData, url = `amqp://guest:guest@127.0.0.1:${layout.amqpPort}`): RabbitNode | undefined {
  const scriptsDir = rabbitScriptsDir();
  if (!scriptsDir || !fs.existsSync(layout.baseDir)) return undefined;
  const ident = identityFor(layout.baseDir);
  const api = makeCtlApi(scriptsDir, layout, ident);
  const node: RabbitNode = {
    url,
    nodeName: layout.nodeName,
    port: layout.amqpPort,
    ...api,
    ...processControls(new NodeProcesses(scriptsDir, layout, ident, () => {}), api, true),
    stop: async () => {},
  };
  layouts.set(node, layout);
  return node;
}

/**
 * Rebuilds a handle to the runner's node from the env set by test/run.ts (see
 * rabbitNodeFromLayout). Returns undefined when the tests run against an external broker (only
 * WARREN_TEST_BROKER_URL set) or outside the runner.
 */
export function rabbitNodeFromEnv(env: NodeJS.ProcessEnv = process.env): RabbitNode | undefined {
  const url = env[ENV_BROKER_URL];
  const nodeName = env[ENV_NODE_NAME];
  const baseDir = env[ENV_NODE_DIR];
  const epmdPort = Number(env[ENV_EPMD_PORT]);
  const amqpPort = Number(env[ENV_AMQP_PORT]);
  const distPort = Number(env[ENV_DIST_PORT] ?? 0);
  if (!url || !nodeName || !baseDir || !epmdPort || !amqpPort) return undefined;
  return rabbitNodeFromLayout({ nodeName, baseDir, amqpPort, distPort, epmdPort }, url);
}
