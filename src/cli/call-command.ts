import { InvalidCallOptionsError, RemoteTaskError, RpcTimeoutError, UnroutableTaskError } from '../errors';
import { CliError, EXIT, loadBrokerConfig, openClient, print, printJson, type CommonOptions } from './cli-support';

/** `warren call <task> [args]`: runs a task and prints its result as JSON; with `--enqueue`, publishes it and prints its id. */
export async function callCommand(task: string, argsJson: string | undefined, options: CommonOptions & { timeout?: number; delay?: number; enqueue?: boolean }): Promise<void> {
  let args: unknown;
  try {
    args = argsJson === undefined ? [] : JSON.parse(argsJson);
  } catch (error) {
    throw new CliError(`Arguments must be JSON: ${(error as Error).message}`, EXIT.usage);
  }
  const list = Array.isArray(args) ? args : [args]; // a single non-array value is the one argument
  const client = await openClient(loadBrokerConfig(options, 'call'));
  try {
    if (options.enqueue) {
      // The id alone on stdout, for `warren status $(warren call ... --enqueue)`.
      print(await client.enqueue(task, list, { delayMs: options.delay }));
      return;
    }
    printJson(await client.call(task, list, { timeoutMs: options.timeout, delayMs: options.delay }));
  } catch (error) {
    if (error instanceof RemoteTaskError) {
      process.stderr.write(`${task} failed with ${error.remoteName}: ${error.remoteMessage}\n${error.remoteStack ?? ''}\n`);
      process.exitCode = EXIT.failed;
      return;
    }
    if (error instanceof UnroutableTaskError || error instanceof RpcTimeoutError) throw new CliError(error.message, EXIT.unavailable);
    if (error instanceof InvalidCallOptionsError) throw new CliError(error.message, EXIT.usage);
    throw error;
  } finally {
    await client.close();
  }
}
