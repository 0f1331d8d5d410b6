import type { ResolvedConfig } from '../config/resolved-config';
import { checkHttpOptions } from '../http/access';
import { ensurePortFree } from '../http/port-check';
import { startHttpServer, type HttpServer } from '../http/http-server';
import { logFormat } from '../logging/log-format';
import { createLogger, type Logger } from '../logging/logger';
import { Runtime } from '../runtime/runtime';

export interface Served {
  readonly runtime: Runtime;
  readonly logger: Logger;
  /** Drains and stops the runtime (and the HTTP server after it), then exits with `code`. */
  stopAndExit(code: number, reason: string): void;
}

/**
 * Starts the runtime (and the HTTP server when the config has one) and serves until
 * SIGINT/SIGTERM, then drains and exits 0. A second signal exits at once. The HTTP server keeps
 * answering while the runtime drains (/readyz says 503), and closes after it stopped.
 */
export async function serve(config: ResolvedConfig, options: { grace?: number }): Promise<Served> {
  const pretty = logFormat() === 'pretty';
  const logger = createLogger(config.logLevel, { pretty });
  // The banner is for people: among JSON lines it would break every line-by-line reader of stdout.
  const banner = pretty ? process.stdout : process.stderr;
  // A server that would be open to the network without a token stops the start before anything runs.
  if (config.http) {
    checkHttpOptions(config.http);
    await ensurePortFree(config.http.host, config.http.port);
  }

  // Signals are handled from the first moment, so one that arrives during start-up still
  // means a graceful stop once the runtime is up, never a kill halfway through.
  const state: { runtime?: Runtime; http?: HttpServer; pendingSignal?: NodeJS.Signals; stopping?: boolean } = {};
  let signals = 0;
  const stopAndExit = (code: number, reason: string) => {
    if (state.stopping || !state.runtime) return;
    state.stopping = true;
    stopGracefully(state.runtime, state.http, logger, reason, options.grace, code);
  };
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals > 1) {
      logger.warn({ signal }, 'second signal: exiting now; unacknowledged tasks will be redelivered');
      process.exit(1);
    }
    if (state.runtime) stopAndExit(0, signal);
    else state.pendingSignal = signal;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const runtime = (state.runtime = await Runtime.start({ config, logger }));
  if (config.http) {
    try {
      state.http = await startHttpServer(runtime, { ...config.http, logger });
    } catch (error) {
      await runtime.stop();
      throw error;
    }
  }
  banner.write(`${runtime.banner()}\n\n`);
  if (state.http) banner.write(`dashboard  ${state.http.url}   (also /metrics, /healthz, /readyz)\n\n`);
  runtime.on('connectionLost', () => {
    // Unacknowledged tasks are redelivered by the broker; a supervisor restarts us.
    logger.fatal('exiting: the broker connection was lost');
    process.exit(1);
  });
  // The embedded broker holds no socket open: without this the process would end once idle.
  // Every way out of a served runtime is process.exit, so it is never cleared.
  setInterval(() => {}, 1 << 30);
  if (state.pendingSignal) stopAndExit(0, state.pendingSignal);
  return { runtime, logger, stopAndExit };
}

function stopGracefully(runtime: Runtime, http: HttpServer | undefined, logger: Logger, reason: string, graceMs: number | undefined, code: number): void {
  const bySignal = reason === 'SIGINT' || reason === 'SIGTERM';
  logger.info({ reason, inFlight: runtime.inFlight }, bySignal ? 'shutting down gracefully (send the signal again to exit now)' : 'shutting down gracefully');
  runtime
    .stop(graceMs)
    .then(() => http?.close())
    .then(
      () => process.exit(code),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
}
