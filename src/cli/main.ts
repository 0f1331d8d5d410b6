import 'reflect-metadata';
import { Command, Option } from 'commander';
import { WarrenError, describe } from '../errors';
import { startCommand } from './start-command';
import { tasksCommand } from './tasks-command';

const program = new Command('warren')
  .description('Warren: typed job runtime on RabbitMQ, with CPU (worker-thread) and I/O (async) pools.')
  .showHelpAfterError('(run warren --help for usage)')
  .addHelpText(
    'after',
    `
Environment:
  WARREN_BROKER_URL   broker URL (overrides the config; unset means the embedded in-memory broker)
  WARREN_LOG_LEVEL    fatal | error | warn | info | debug | trace | silent

Examples:
  warren tasks                      list the tasks the job files define
  warren start                      run the runtime from ./runtime.config.ts
  WARREN_BROKER_URL=amqp://guest:guest@127.0.0.1:5672 warren start --config runtime.config.ts`,
  );

const configOption = () => new Option('-c, --config <file>', 'config file').default(undefined, './runtime.config.ts');

program
  .command('start')
  .description('scan the job files, declare the topology and serve every queue until SIGINT/SIGTERM')
  .addOption(configOption())
  .option('--grace <ms>', 'how long a shutdown waits for tasks in flight', parsePositiveInt)
  .action(startCommand);

program
  .command('tasks')
  .description('list the tasks, their queues and pools, without connecting to the broker')
  .addOption(configOption())
  .option('--json', 'print JSON instead of a table')
  .action(tasksCommand);

program.parseAsync(process.argv).catch((error: unknown) => {
  // A Warren error is a message for the user; anything else is a bug, so show its stack.
  if (error instanceof WarrenError) process.stderr.write(`warren: ${error.message}\n`);
  else process.stderr.write(`warren: unexpected failure: ${describe(error)}\n${(error as Error)?.stack ?? ''}\n`);
  process.exit(1);
});

function parsePositiveInt(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new WarrenError(`expected a whole number of milliseconds, got '${value}'`);
  return parsed;
}
