import { table } from '../format/table';
import { loadBrokerConfig, openAdmin, print, printJson, queueNames, type CommonOptions } from './cli-support';

/** `warren queues`: depth, consumers and dead letters of every queue the job files declare. */
export async function queuesCommand(options: CommonOptions): Promise<void> {
  const config = loadBrokerConfig(options, 'queues');
  const { admin, close } = await openAdmin(config);
  try {
    const queues = await admin.queues(await queueNames(config));
    if (options.json) return printJson(queues);
    const cell = (value: number | undefined) => (value === undefined ? '-' : String(value));
    print(table([['QUEUE', 'READY', 'CONSUMERS', 'DEAD LETTERS'], ...queues.map((q) => [q.brokerQueue, cell(q.messages), cell(q.consumers), cell(q.deadLetters)])], ''));
    if (queues.some((q) => q.messages === undefined)) print('(-: not declared yet; warren start declares it)');
  } finally {
    await close();
  }
}
