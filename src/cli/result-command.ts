import { NoResultStoreError, RemoteTaskError, ResultStoreError, ResultTimeoutError } from '../errors';
import { CliError, EXIT, loadBrokerConfig, openClient, printJson, type CommonOptions } from './cli-support';

/**
 * `warren result <task-id>`: the task's result from the result store, as JSON, waiting up to
 * `--timeout` for a task that has not finished. Exit 1 when it failed, 3 when it has not finished in time.
 */
export async function resultCommand(taskId: string, options: CommonOptions & { timeout?: number }): Promise<void> {
  const config = loadBrokerConfig(options, 'result');
  if (!config.results) throw new CliError(`warren result needs a result store: set results.url in the config (or WARREN_RESULTS_URL) to the postgres:// URL the runtimes write to`, EXIT.usage);
  const client = await openClient(config);
  try {
    printJson(await client.result(taskId, { timeoutMs: options.timeout ?? 0 }));
  } catch (error) {
    if (error instanceof RemoteTaskError) {
      process.stderr.write(`${error.task} (${taskId}) failed with ${error.remoteName}: ${error.remoteMessage}\n${error.remoteStack ?? ''}\n`);
      process.exitCode = EXIT.failed;
      return;
    }
    if (error instanceof ResultTimeoutError || error instanceof ResultStoreError) throw new CliError(error.message, EXIT.unavailable);
    if (error instanceof NoResultStoreError) throw new CliError(error.message, EXIT.usage);
    throw error;
  } finally {
    await client.close();
  }
}
