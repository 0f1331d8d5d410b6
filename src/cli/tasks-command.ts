import { loadConfig } from '../config/load-config';
import { scanRegistry } from '../registry/scan-registry';
import { formatBanner } from '../runtime/banner';
import { planQueues } from '../runtime/queue-plan';
import { TopologyNames } from '../topology/topology';

/** `warren tasks`: what `warren start` would serve, without a broker. */
export async function tasksCommand(options: { config?: string; json?: boolean }): Promise<void> {
  const config = loadConfig(options.config);
  const registry = await scanRegistry(config);
  const plans = planQueues(registry.queues(), config, new TopologyNames(config.broker.namespace));
  if (options.json) {
    const tasks = registry.tasks().map(({ name, queue, pool, className, method, modulePath, hardTimeLimitMs }) => ({ name, queue, pool, className, method, modulePath, hardTimeLimitMs }));
    const queues = plans.map(({ brokerQueue, deadLetterQueue, pool, prefetch }) => ({ queue: brokerQueue, deadLetterQueue, pool, prefetch }));
    process.stdout.write(`${JSON.stringify({ tasks, queues }, null, 2)}\n`);
  } else {
    process.stdout.write(`${formatBanner(config, registry, plans)}\n`);
  }
}
