import { loadConfig } from '../config/load-config';
import { CliError, EXIT } from './cli-support';
import { serve } from './serve';

/** `warren start`: the runtime on RabbitMQ, until SIGINT/SIGTERM. */
export async function startCommand(options: { config?: string; grace?: number }): Promise<void> {
  const config = loadConfig(options.config);
  // A runtime on the embedded broker serves only its own process: nothing outside could reach it.
  if (!config.broker.url || config.broker.url.startsWith('memory://')) {
    throw new CliError(
      'warren start serves RabbitMQ, and no broker URL is set: set WARREN_BROKER_URL=amqp://user:pass@host:5672 (or broker.url in the config). ' +
        'To try your jobs without RabbitMQ, run them beside your app on the embedded broker: warren dev app.ts',
      EXIT.usage,
    );
  }
  await serve(config, options);
}
