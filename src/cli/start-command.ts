import { loadConfig } from '../config/load-config';
import { checkHttpOptions } from '../http/access';
import { startHttpServer, type HttpServer } from '../http/http-server';
import { createLogger, type Logger } from '../logging/logger';
import { Runtime } from '../runtime/runtime';

/**
 * `warren start`: serve until SIGINT/SIGTERM, then drain and exit 0. A second signal exits at once.
 * With `http` in the config, the HTTP server (health, metrics, dashboard) runs beside the runtime:
 * it keeps answering while the runtime drains (/readyz says 503), and closes after it stopped.
 */
export async function startCommand(options: { config?: string; grace?: number }): Promise<void> {
  const config = loadConfig(options.config);
  const logger = createLogger(config.logLevel);
  // A server that would be open to the network without a token stops the start before anything runs.
  if (config.http) checkHttpOptions(config.http);

  // Signals are handled from the first moment, so one that arrives during start-up still
  // means a graceful stop once the runtime is up, never a kill halfway through.
  const state: { runtime?: Runtime; http?: HttpServer; pendingSignal?: NodeJS.Signals } = {};
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals > 1) {
      logger.warn({ signal }, 'second signal: exiting now; unacknowledged tasks will be redelivered');
      process.exit(1);
    }
    if (state.runtime) stopGracefully(state.runtime, state.http, logger, signal, options.grace);
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
  process.stdout.write(`${runtime.banner()}\n\n`);
  if (state.http) process.stdout.write(`dashboard  ${state.http.url}   (also /metrics, /healthz, /readyz)\n\n`);
  runtime.on('connectionLost', () => {
    // Unacknowledged tasks are redelivered by the broker; a supervisor restarts us.
    logger.fatal('exiting: the broker connection was lost');
    process.exit(1);
  });
  if (state.pendingSignal) stopGracefully(runtime, state.http, logger, state.pendingSignal, options.grace);
}

function stopGracefully(runtime: Runtime, http: HttpServer | undefined, logger: Logger, signal: NodeJS.Signals, graceMs: number | undefined): void {
  logger.info({ signal, inFlight: runtime.inFlight }, 'shutting down gracefully (send the signal again to exit now)');
  runtime
    .stop(graceMs)
    .then(() => http?.close())
    .then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
}
