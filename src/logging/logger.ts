import type { Logger } from 'pino';
import type { LogLevel } from '../config/define-config';
import { logFormat } from './log-format';
import { prettyLines } from './pretty-lines';

export type { Logger };

/**
 * The root logger: JSON lines for machines, pretty lines when a person watches a terminal (or
 * `WARREN_LOG_FORMAT` says which). The pretty stream runs synchronously in this thread, not as
 * a transport worker, so nothing is lost when the process exits right after a log line.
 */
export function createLogger(level: LogLevel, options: { pretty?: boolean; name?: string } = {}): Logger {
  const wantPretty = options.pretty ?? logFormat() === 'pretty';
  const base = { level, name: options.name ?? 'warren' };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pino = require('pino') as typeof import('pino'); // on use: a CPU thread logs nothing itself
  if (!wantPretty) return pino(base);
  return pino(base, prettyLines());
}
