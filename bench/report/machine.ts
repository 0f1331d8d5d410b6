import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ServerVersion } from '../admin';

export interface MachineNote {
  readonly cores: number;
  readonly cpuModel: string;
  readonly memoryGb: number;
  readonly os: string;
  readonly kernel: string;
  readonly node: string;
  readonly amqplib: string;
  readonly rabbitmq: string;
  readonly erlang: string;
  readonly broker: string;
  readonly celery: string;
  /** The Warren commit measured, and whether src/ had uncommitted changes. */
  readonly warren: string;
}

export function machineNote(server: ServerVersion, broker: string, celery: string): MachineNote {
  return {
    cores: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    memoryGb: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    os: osName(),
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    amqplib: packageVersion('amqplib'),
    rabbitmq: `${server.product} ${server.version}`,
    erlang: server.platform,
    broker,
    celery,
    warren: warrenRevision(),
  };
}

export function formatMachineNote(note: MachineNote): string {
  return (
    `Warren ${note.warren}; ${note.cores} cores (${note.cpuModel}), ${note.memoryGb} GB RAM, ${note.os} (${note.kernel}); ` +
    `Node ${note.node}, amqplib ${note.amqplib}; ${note.rabbitmq} on ${note.erlang} (${note.broker}); Celery: ${note.celery}`
  );
}

function warrenRevision(): string {
  const root = path.join(__dirname, '..', '..');
  try {
    const git = (...args: string[]): string => execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const commit = git('rev-parse', '--short', 'HEAD');
    const dirty = git('status', '--porcelain', '--', 'src', 'package.json') !== '';
    return dirty ? `${commit} + uncommitted changes in src/` : commit;
  } catch {
    return 'unknown revision';
  }
}

function osName(): string {
  try {
    const release = fs.readFileSync('/etc/os-release', 'utf8');
    return /^PRETTY_NAME="?([^"\n]*)"?/m.exec(release)?.[1] ?? os.platform();
  } catch {
    return os.platform();
  }
}

function packageVersion(name: string): string {
  try {
    // The package's own exports may hide package.json: walk up from its main file instead.
    let dir = path.dirname(require.resolve(name));
    while (!fs.existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
    return (JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version?: string }).version ?? '?';
  } catch {
    return '?';
  }
}
