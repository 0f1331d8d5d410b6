import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';
import type { LogLevel } from '../config/define-config';

export type { Logger };

/**
 * The root logger: JSON lines for machines, pretty lines when a person watches a terminal.
 * pino-pretty runs as a synchronous stream in this thread, not as a transport worker, so
 * nothing is lost when the process exits right after a log line.
 */
export function createLogger(level: LogLevel, options: { pretty?: boolean; name?: string } = {}): Logger {
  const wantPretty = options.pretty ?? (process.stdout.isTTY === true && process.env.CI === undefined);
  const base = { level, name: options.name ?? 'warren' };
  if (!wantPretty) return pino(base);
  return pino(base, pretty({ sync: true, colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname,name' }));
}
