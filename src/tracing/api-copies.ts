import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { GLOBAL_API_KEY } from './trace-propagation';

let warned = false;

/**
 * The version of the @opentelemetry/api copy through which an SDK registered a tracer provider
 * that Warren's copy cannot see, or undefined when there is none. An API copy ignores a global
 * registered by an older minor version, so a second copy nested under Warren (newer than the
 * SDK's) records nothing and joins no trace, and the API itself says nothing about it.
 */
export function unseenTracerApiVersion(): string | undefined {
  const registered = (globalThis as Record<symbol, { version?: string; trace?: unknown } | undefined>)[GLOBAL_API_KEY];
  if (!registered?.trace) return undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { trace } = require('@opentelemetry/api') as typeof import('@opentelemetry/api');
  if (trace.getTracerProvider() === registered.trace) return undefined;
  return registered.version ?? 'unknown';
}

/** Logs, once per process, that the application's SDK and Warren use two copies of the API. */
export function warnOfSecondTracingApi(logger: Logger): void {
  if (warned) return;
  const theirs = unseenTracerApiVersion();
  if (theirs === undefined) return;
  warned = true;
  const ours = ownApiPackage();
  logger.warn(
    { sdkApiVersion: theirs, warrenApiVersion: ours?.version, warrenApiPath: ours?.dir },
    `tracing is off for Warren: the OpenTelemetry SDK registered through @opentelemetry/api ${theirs}, and Warren loads another copy (${ours?.version ?? '?'} at ${ours?.dir ?? '?'}) that cannot see it. ` +
      'Install one copy, in a range both accept (npm ls @opentelemetry/api; Warren takes it as a peer dependency).',
  );
}

/** The package.json of the @opentelemetry/api that this module resolves (its exports hide the file from require). */
function ownApiPackage(): { version: string; dir: string } | undefined {
  try {
    let dir = path.dirname(require.resolve('@opentelemetry/api'));
    for (let depth = 0; depth < 5; depth++, dir = path.dirname(dir)) {
      const file = path.join(dir, 'package.json');
      if (!fs.existsSync(file)) continue;
      const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === '@opentelemetry/api') return { version: pkg.version ?? '?', dir };
    }
  } catch {
    // only the message is poorer for it
  }
  return undefined;
}
