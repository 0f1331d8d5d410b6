import { loadBrokerConfig, openClient, print, printJson, type CommonOptions } from './cli-support';

/** `warren status <task-id>`: where a task is. Exit code 1 when it failed or was dead-lettered. */
export async function statusCommand(taskId: string, options: CommonOptions & { timeout?: number }): Promise<void> {
  const client = await openClient(loadBrokerConfig(options, 'status'), options.timeout);
  try {
    const status = await client.status(taskId, { timeoutMs: options.timeout });
    if (options.json) printJson(status);
    else {
      const where = status.runtime ? ` on ${status.runtime}` : '';
      const next = status.nextAttemptAt ? (status.state === 'scheduled' ? `, due at ${status.nextAttemptAt}` : `, next attempt at ${status.nextAttemptAt}`) : '';
      const why = status.error ? `: ${status.error.name}: ${status.error.message}` : '';
      const progress = status.progress === undefined ? '' : `, progress ${JSON.stringify(status.progress)}`;
      print(`${taskId} ${status.state}${status.task ? ` (${status.task}` : ''}${status.attempt ? `, attempt ${status.attempt}` : ''}${status.task ? ')' : ''}${where}${next}${progress}${why}`);
    }
    if (status.state === 'failed' || status.state === 'dead-lettered' || status.state === 'expired') process.exitCode = 1;
  } finally {
    await client.close();
  }
}
