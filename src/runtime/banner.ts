import type { ResolvedConfig } from '../config/resolved-config';
import type { TaskRegistry } from '../registry/task-registry';
import { redactUrl } from '../transport/redact-url';
import type { QueuePlan } from './queue-plan';
import { table } from '../format/table';
import { POOL_KINDS } from '../decorators/task-options';
import { POOL_KIND_SPECS } from '../pools/pool-kinds';

/** The start-up summary, like Celery's `[tasks]` list: what this runtime serves and how. */
export function formatBanner(config: ResolvedConfig, registry: TaskRegistry, plans: readonly QueuePlan[]): string {
  const broker = config.broker.url ? redactUrl(config.broker.url) : 'memory:// (embedded in-memory broker)';
  const lines = [
    `warren runtime`,
    `  broker     ${broker}`,
    `  namespace  ${config.broker.namespace}`,
    `  pools      ${POOL_KINDS.map((kind) => POOL_KIND_SPECS[kind].describe(config)).join(' · ')}`,
    '',
    '[queues]',
    ...table(
      plans.map((plan) => [plan.brokerQueue, plan.pool, `prefetch ${plan.prefetch}`, `dead letters → ${plan.deadLetterQueue}`]),
    ),
    '',
    '[tasks]',
    ...table(
      registry
        .tasks()
        .sort((a, b) => a.name.localeCompare(b.name))
        .map((task) => [task.name, `${task.queue} (${task.pool})`, task.hardTimeLimitMs ? `hard limit ${task.hardTimeLimitMs} ms` : '']),
    ),
  ];
  return lines.map((line) => line.trimEnd()).join('\n');
}
