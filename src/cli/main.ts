#!/usr/bin/env node
// Before anything else: the user's config, job files and scripts may be TypeScript.
import { registerTypeScript } from '../loader/typescript-hook';
registerTypeScript();

import { Command, Option } from 'commander';
import { ConfigError, TransportError, WarrenError, describe } from '../errors';
import { parseDuration } from '../format/duration';
import { callCommand } from './call-command';
import { pauseScheduleCommand, schedulesCommand } from './schedules-command';
import { CliError, EXIT, type CommonOptions } from './cli-support';
import { devCommand } from './dev-command';
import { dlqDeleteCommand, dlqListCommand, dlqPurgeCommand, dlqReplayCommand, dlqShowCommand } from './dlq-command';
import { initCommand } from './init-command';
import { inspectCommand } from './inspect-command';
import { purgeCommand } from './purge-command';
import { queuesCommand } from './queues-command';
import { runCommand } from './run-command';
import { startCommand } from './start-command';
import { resultCommand } from './result-command';
import { statusCommand } from './status-command';
import { tasksCommand } from './tasks-command';

const program = new Command('warren')
  .description('Warren: typed job runtime on RabbitMQ, with CPU (worker-thread) and I/O (async) pools.')
  .showHelpAfterError('(run warren --help for usage)')
  // `warren run app.ts --flag`: what follows the script is the script's, not warren's.
  .enablePositionalOptions()
  // Usage errors exit 2 like every other wrong usage; commander has already said what was wrong.
  .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : EXIT.usage))
  .addHelpText(
    'after',
    `
Environment:
  WARREN_BROKER_URL   broker URL (overrides the config; unset means the embedded in-memory broker)
  WARREN_LOG_LEVEL    fatal | error | warn | info | debug | trace | silent
  WARREN_NAMESPACE    prefix of every exchange and queue (overrides broker.namespace)
  WARREN_RESULTS_URL  result store, postgres://user:pass@host/db (overrides results.url)

Exit codes:
  0 done   1 the task or operation failed   2 wrong usage or not confirmed   3 broker or runtime unavailable
  4 done in part (dlq replay skipped dead letters it cannot replay; they stay, listed with their reasons)

Examples:
  warren init                                    write a starter project here
  warren dev app.ts                              the runtime and app.ts in one process, no RabbitMQ needed
  warren tasks                                   list the tasks the job files define
  WARREN_BROKER_URL=amqp://guest:guest@127.0.0.1:5672 warren start   serve ./runtime.config.ts on RabbitMQ
  warren run app.ts                              run a TypeScript app script (as node -r warren/register app.ts)
  warren call Images.checksum '["aGVsbG8=", 3]'  run a task and print its result
  warren call Crawler.fetchTitle '"https://example.com"' --delay 90s   run it in 90 s
  warren status $(warren call Images.checksum '["aGVsbG8=", 3]' --enqueue)   where it is
  warren result 5f0c...-... --timeout 30s        its result, from the result store
  warren dlq list images                         read the dead letters of a queue
  WARREN_BROKER_URL=amqp://guest:guest@127.0.0.1:5672 warren queues --json`,
  );

const configOption = () => new Option('-c, --config <file>', 'config file').default(undefined, './runtime.config.ts');
const jsonOption = () => new Option('--json', 'print JSON for scripts');
const yesOption = () => new Option('-y, --yes', 'do not ask for confirmation');

program
  .command('start')
  .description('serve every queue on RabbitMQ until SIGINT/SIGTERM: scan the job files, declare the topology, start the pools')
  .addOption(configOption())
  .option('--grace <ms>', 'how long a shutdown waits for tasks in flight', parseMs)
  .action(startCommand);

program
  .command('dev [script] [args...]')
  .description(
    'the runtime and an app script in one process, on the embedded broker (RabbitMQ when WARREN_BROKER_URL is set). ' +
      "The script's exported main() is awaited, then warren exits; without a script or a main, it serves until Ctrl-C",
  )
  .addOption(configOption())
  .option('--grace <ms>', 'how long a shutdown waits for tasks in flight', parseMs)
  .passThroughOptions()
  .action((script: string | undefined, args: string[], options: { config?: string; grace?: number }) => devCommand(script, args, options));

program
  .command('run <script> [args...]')
  .description("run a TypeScript (or JavaScript) app script with Warren's loader; its exported main(), if any, is awaited and sets the exit code")
  .passThroughOptions()
  .action((script: string, args: string[]) => runCommand(script, args));

program
  .command('init [dir]')
  .description('write a starter project: tsconfig.json, runtime.config.ts, a CPU and an I/O job, app.ts and npm scripts (never overwrites)')
  .action((dir: string | undefined) => initCommand(dir));

program
  .command('tasks')
  .description('list the tasks, their queues and pools, without connecting to the broker')
  .addOption(configOption())
  .addOption(jsonOption())
  .action(tasksCommand);

program
  .command('call <task> [args]')
  .description('run a task and print its result as JSON; args is a JSON array (or one JSON value)')
  .addOption(configOption())
  .option('--timeout <ms>', 'how long to wait for the result (counted from the due time with --delay)', parseMs)
  .option('--delay <duration>', 'start the task this long from now: 90s, 500ms, 5m, 2h, 30d (at most a year)', parseDelay)
  .option('--enqueue', 'publish the task without waiting for its result, and print its id (for warren status)')
  .action(callCommand);

program
  .command('status <task-id>')
  .description('where a task is (queued, scheduled, running, retrying, succeeded, failed, dead-lettered, expired or unknown), its arguments, result or error, and every step of its life')
  .addOption(configOption())
  .addOption(jsonOption())
  .option('--timeout <ms>', 'how long to wait for runtimes to answer', parseMs)
  .action(statusCommand);

program
  .command('result <task-id>')
  .description('print a task\'s result from the result store (results.url), as JSON; exit 1 if it failed, 3 if it has not finished')
  .addOption(configOption())
  .option('--timeout <duration>', 'how long to wait for a task that has not finished: 30s, 500ms, 5m (default 0: answer now)', parseDelay)
  .action(resultCommand);

program
  .command('inspect')
  .description('the live runtimes: their pools, queues and tasks in flight')
  .addOption(configOption())
  .addOption(jsonOption())
  .option('--timeout <ms>', 'how long to wait for runtimes to answer', parseMs)
  .action(inspectCommand);

const schedules = program
  .command('schedules')
  .description('the schedules: when each fires, its last and next firing, and which runtime holds them')
  .addOption(configOption())
  .addOption(jsonOption())
  .option('--timeout <ms>', 'how long to wait for runtimes to answer', parseMs)
  .action(schedulesCommand);
for (const [verb, paused] of [['pause', true], ['resume', false]] as const) {
  schedules
    .command(`${verb} <name>`)
    .description(paused ? 'stop firing a schedule (kept across restarts)' : 'fire a paused schedule again, from now on')
    .addOption(configOption())
    .addOption(jsonOption())
    .option('--timeout <ms>', 'how long to wait for runtimes to answer', parseMs)
    .action((name: string, options: CommonOptions & { timeout?: number }) => pauseScheduleCommand(name, paused, options));
}

program.command('queues').description('depth, consumers and dead letters of every queue').addOption(configOption()).addOption(jsonOption()).action(queuesCommand);

program
  .command('purge <queue>')
  .description("delete a queue's waiting tasks (asks first unless --yes)")
  .addOption(configOption())
  .addOption(jsonOption())
  .addOption(yesOption())
  .action(purgeCommand);

const dlq = program
  .command('dlq')
  .description("read, replay, delete or purge a queue's dead letters")
  .addHelpText(
    'after',
    `
Dead letters are listed newest first, a page at a time: --limit (default 50) and --offset (how
many of the newest to skip; the list says the next page's). Reading takes each message and puts
all back unchanged, in their order, even if the command dies half-way. A replay leaves a dead
letter it cannot replay (no queue bound to its task any more, no task name) where it is, goes on
with the others, reports each reason, and exits 4.

  warren dlq list crawl --offset 50            the second page
  warren dlq replay crawl --task Crawler.fetch --yes
  warren dlq replay crawl --reason timeout     those whose error or reason contains "timeout"
  warren dlq replay crawl --id <task-id>       just one`,
  );
dlq
  .command('list <queue>')
  .description('the dead letters and why they died, newest first')
  .addOption(configOption())
  .addOption(jsonOption())
  .option('--limit <n>', 'at most this many (default 50)', parseCount)
  .option('--offset <n>', 'skip this many of the newest (default 0)', parseOffset)
  .action(dlqListCommand);
dlq.command('show <queue> <task-id>').description('one dead letter in full, wherever it is in the queue').addOption(configOption()).addOption(jsonOption()).action(dlqShowCommand);
dlq
  .command('replay <queue>')
  .description('send dead letters back as fresh tasks; those that cannot be are skipped and reported (asks first unless --yes)')
  .addOption(configOption())
  .addOption(jsonOption())
  .addOption(yesOption())
  .option('--limit <n>', 'at most this many', parseCount)
  .option('--id <task-id>', 'only the one with this task id')
  .option('--task <name>', 'only those of this task')
  .option('--reason <text>', 'only those whose error or reason contains this (any case)')
  .action(dlqReplayCommand);
dlq.command('delete <queue> <task-id>').description('delete one dead letter (asks first unless --yes)').addOption(configOption()).addOption(jsonOption()).addOption(yesOption()).action(dlqDeleteCommand);
dlq.command('purge <queue>').description('delete every dead letter (asks first unless --yes)').addOption(configOption()).addOption(jsonOption()).addOption(yesOption()).action(dlqPurgeCommand);

program.parseAsync(process.argv).catch((error: unknown) => {
  // A Warren error is a message for the user; anything else is a bug, so show its stack.
  if (error instanceof WarrenError) process.stderr.write(`warren: ${error.message}\n`);
  else process.stderr.write(`warren: unexpected failure: ${describe(error)}\n${(error as Error)?.stack ?? ''}\n`);
  process.exit(exitCodeOf(error));
});

function exitCodeOf(error: unknown): number {
  if (error instanceof CliError) return error.exitCode;
  if (error instanceof ConfigError) return EXIT.usage;
  if (error instanceof TransportError) return EXIT.unavailable;
  return EXIT.failed;
}

function parseMs(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new CliError(`expected a whole number of milliseconds, got '${value}'`, EXIT.usage);
  return parsed;
}

function parseDelay(value: string): number {
  const parsed = parseDuration(value);
  if (parsed === undefined) throw new CliError(`expected a duration such as 90s, 500ms, 5m, 2h or 30d, got '${value}'`, EXIT.usage);
  return parsed;
}

function parseOffset(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new CliError(`expected a whole number, got '${value}'`, EXIT.usage);
  return parsed;
}

function parseCount(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new CliError(`expected a positive whole number, got '${value}'`, EXIT.usage);
  return parsed;
}
