import { loadConfig } from '../config/load-config';
import { createLogger, type Logger } from '../logging/logger';
import { Runtime } from '../runtime/runtime';

/** `warren start`: serve until SIGINT/SIGTERM, then drain and exit 0. A second signal exits at once. */
export async function startCommand(options: { config?: string; grace?: number }): Promise<void> {
  const config = loadConfig(options.config);
  const logger = createLogger(config.logLevel);

  // Signals are handled from the first moment, so one that arrives during start-up still
  // means a graceful stop once the runtime is up, never a kill halfway through.
  const state: { runtime?: Runtime; pendingSignal?: NodeJS.Signals } = {};
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals > 1) {
      logger.warn({ signal }, 'second signal: exiting now; unacknowledged tasks will be redelivered');
      process.exit(1);
    }
    if (state.runtime) stopGracefully(state.runtime, logger, signal, options.grace);
    else state.pendingSignal = signal;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const runtime = (state.runtime = await Runtime.start({ config, logger }));
  process.stdout.write(`${runtime.banner()}\n\n`);
  runtime.on('connectionLost', () => {
    // Unacknowledged tasks are redelivered by the broker; a supervisor restarts us.
    logger.fatal('exiting: the broker connection was lost');
    process.exit(1);
  });
  if (state.pendingSignal) stopGracefully(runtime, logger, state.pendingSignal, options.grace);
}

function stopGracefully(runtime: Runtime, logger: Logger, signal: NodeJS.Signals, graceMs: number | undefined): void {
  logger.info({ signal, inFlight: runtime.inFlight }, 'shutting down gracefully (send the signal again to exit now)');
  runtime.stop(graceMs).then(
    () => process.exit(0),
    (error: unknown) => {
      logger.error({ err: error }, 'shutdown failed');
      process.exit(1);
    },
  );
}
