import { confirm, knownQueue, loadBrokerConfig, openAdmin, print, printJson, type CommonOptions } from './cli-support';

/** `warren purge <queue>`: deletes the ready tasks of a work queue, after a confirmation. */
export async function purgeCommand(given: string, options: CommonOptions & { yes?: boolean }): Promise<void> {
  const config = loadBrokerConfig(options, 'purge');
  const { admin, close } = await openAdmin(config);
  try {
    const queue = await knownQueue(admin, config, given);
    await confirm(`Delete every waiting task in ${config.broker.namespace}.${queue}?`, options.yes);
    const purged = await admin.purge(queue, 'work');
    if (options.json) printJson({ queue, purged });
    else print(`purged ${purged} task(s) from ${config.broker.namespace}.${queue}`);
  } finally {
    await close();
  }
}
