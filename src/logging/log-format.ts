import { ConfigError } from '../errors';

export type LogFormat = 'pretty' | 'json';

const FORMATS: readonly LogFormat[] = ['pretty', 'json'];

/**
 * `WARREN_LOG_FORMAT` when set; otherwise pretty for a person at a terminal (stdout a TTY, not
 * CI) and JSON lines for everything else.
 */
export function logFormat(env: NodeJS.ProcessEnv = process.env, stdoutIsTty = process.stdout.isTTY === true): LogFormat {
  const chosen = env.WARREN_LOG_FORMAT?.trim();
  if (chosen) {
    if ((FORMATS as readonly string[]).includes(chosen)) return chosen as LogFormat;
    throw new ConfigError(`Invalid WARREN_LOG_FORMAT '${chosen}': use ${FORMATS.join(' or ')}`);
  }
  return stdoutIsTty && env.CI === undefined ? 'pretty' : 'json';
}
