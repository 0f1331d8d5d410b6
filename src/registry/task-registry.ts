import { getSchedules } from '../decorators/schedule';
import { getMethodOptions, getTaskOptions, type JobClass } from '../decorators/task';
import { defaultScheduleName } from '../schedule/schedule-definitions';
import type { ScheduleDefinition } from '../schedule/schedule-options';
import { mergeRetryPolicies } from '../policy/retry-policy';
import { RegistryError } from '../errors';
import type { QueueDefinition, RunDefaults, TaskDefinition } from './task-definition';
import { taskMethodNames } from './task-methods';

/** A loaded job module: its absolute path and its exports. */
export interface JobModule {
  readonly file: string;
  readonly exports: Record<string, unknown>;
}

/** The task definitions of one runtime, checked once: unique names, one pool per queue. */
export class TaskRegistry {
  private readonly byName = new Map<string, TaskDefinition>();
  private readonly byQueue = new Map<string, QueueDefinition>();

  private constructor(
    definitions: readonly TaskDefinition[],
    private readonly scheduled: readonly ScheduleDefinition[] = [],
  ) {
    for (const definition of definitions) this.add(definition);
  }

  /** Every exported `@Task` class of the modules; other exports (helpers, providers, constants) are left alone. */
  static fromModules(modules: readonly JobModule[], defaults: RunDefaults = {}): TaskRegistry {
    const definitions: TaskDefinition[] = [];
    const schedules: ScheduleDefinition[] = [];
    const seen = new Set<JobClass>();
    for (const { file, exports } of modules) {
      for (const [exportName, value] of Object.entries(exports)) {
        const options = getTaskOptions(value);
        if (!options || seen.has(value as JobClass)) continue;
        seen.add(value as JobClass);
        const tasks = definitionsOf(value as JobClass, exportName, file, defaults);
        definitions.push(...tasks);
        schedules.push(...schedulesOf(value as JobClass, tasks, file));
      }
    }
    return new TaskRegistry(definitions, schedules);
  }

  /** The `@Schedule`s of the job classes. */
  schedules(): readonly ScheduleDefinition[] {
    return this.scheduled;
  }

  get(name: string): TaskDefinition | undefined {
    return this.byName.get(name);
  }

  tasks(): TaskDefinition[] {
    return [...this.byName.values()];
  }

  queues(): QueueDefinition[] {
    return [...this.byQueue.values()];
  }

  get size(): number {
    return this.byName.size;
  }

  private add(definition: TaskDefinition): void {
    const existing = this.byName.get(definition.name);
    if (existing) {
      throw new RegistryError(
        `Duplicate task name '${definition.name}': defined by ${existing.className} in ${existing.modulePath} ` +
          `and by ${definition.className} in ${definition.modulePath}. Rename a class or set @Task({ name }).`,
      );
    }
    this.byName.set(definition.name, definition);

    const queue = this.byQueue.get(definition.queue);
    if (!queue) {
      this.byQueue.set(definition.queue, {
        name: definition.queue,
        pool: definition.pool,
        concurrency: definition.concurrency,
        tasks: [definition.name],
      });
      return;
    }
    if (queue.pool !== definition.pool) {
      throw new RegistryError(
        `Queue '${definition.queue}' is bound to pool '${queue.pool}' by ${queue.tasks[0]} ` +
          `but to pool '${definition.pool}' by ${definition.className} in ${definition.modulePath}. A queue is served by one pool.`,
      );
    }
    if (definition.concurrency !== undefined && queue.concurrency !== undefined && definition.concurrency !== queue.concurrency) {
      throw new RegistryError(
        `Queue '${definition.queue}' has concurrency ${queue.concurrency} from ${queue.tasks[0]} ` +
          `but ${definition.concurrency} from ${definition.className} in ${definition.modulePath}. Set it once, or in the config's queues section.`,
      );
    }
    this.byQueue.set(definition.queue, {
      ...queue,
      concurrency: queue.concurrency ?? definition.concurrency,
      tasks: [...queue.tasks, definition.name],
    });
  }
}

function schedulesOf(jobClass: JobClass, tasks: readonly TaskDefinition[], file: string): ScheduleDefinition[] {
  return getSchedules(jobClass).map(({ method, timing, options }) => {
    const task = tasks.find((definition) => definition.method === method);
    if (!task) throw new RegistryError(`@Schedule on ${jobClass.name}.${method} in ${file}: ${method} is not a task (a public method of the @Task class)`);
    return { name: options.name ?? defaultScheduleName(task.name, timing), task: task.name, args: options.args ?? [], timing, catchUp: options.catchUp ?? 'skip' };
  });
}

function definitionsOf(jobClass: JobClass, exportName: string, file: string, defaults: RunDefaults): TaskDefinition[] {
  const options = getTaskOptions(jobClass);
  if (!options) return [];
  const methods = taskMethodNames(jobClass);
  if (methods.length === 0) {
    throw new RegistryError(`@Task class ${jobClass.name} in ${file} has no public methods, so it defines no task`);
  }
  const prefix = options.name ?? jobClass.name;
  return methods.map((method) => {
    const methodOptions = getMethodOptions(jobClass, method);
    return {
      name: `${prefix}.${method}`,
      method,
      className: jobClass.name,
      exportName,
      modulePath: file,
      queue: options.queue,
      pool: options.pool,
      concurrency: options.concurrency,
      softTimeLimitMs: methodOptions?.softTimeLimitMs ?? options.softTimeLimitMs ?? defaults.softTimeLimitMs,
      hardTimeLimitMs: methodOptions?.hardTimeLimitMs ?? options.hardTimeLimitMs ?? defaults.hardTimeLimitMs,
      retry: mergeRetryPolicies(defaults.retry, options.retry, methodOptions?.retry),
      argsSchema: methodOptions?.args,
      storeResult: methodOptions?.storeResult ?? options.storeResult ?? defaults.storeResult ?? true,
      jobClass,
    };
  });
}
