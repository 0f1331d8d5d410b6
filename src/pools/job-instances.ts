import type { DependencyContainer } from 'tsyringe';
import type { JobClass } from '../decorators/task';
import { DependencyResolutionError, describe } from '../errors';
import { loadedCopies } from '../util/loaded-copies';

/**
 * One instance of each job class per container (per thread), built by tsyringe on first use,
 * like Celery's one task instance per worker process.
 */
export class JobInstances {
  private readonly instances = new Map<JobClass, object>();

  constructor(private readonly container: DependencyContainer) {}

  get(jobClass: JobClass): object {
    let instance = this.instances.get(jobClass);
    if (!instance) {
      instance = resolveJob(this.container, jobClass);
      this.instances.set(jobClass, instance);
    }
    return instance;
  }
}

/** Resolves a class, turning tsyringe's terse failure into one that names the class and the parameter. */
export function resolveJob(container: DependencyContainer, jobClass: JobClass): object {
  try {
    return container.resolve(jobClass) as object;
  } catch (error) {
    throw new DependencyResolutionError(explainResolutionFailure(jobClass, error), { cause: error });
  }
}

function explainResolutionFailure(jobClass: JobClass, error: unknown): string {
  const copies = loadedCopies('tsyringe');
  if (copies.length > 1) {
    // Each copy keeps its own registry of injectable classes: the tokens and classes one knows, the other does not.
    return (
      `Cannot resolve ${jobClass.name}: two copies of tsyringe are loaded (${copies.join(', ')}), and each knows only the classes and tokens registered with it. ` +
      "Install one copy (tsyringe is a peer dependency of warren: npm dedupe, or remove the nested one), or import inject, injectable and container from 'warren'. " +
      `(${describe(error)})`
    );
  }
  const text = describe(error);
  const position = /position #(\d+)/.exec(text);
  const paramTypes = (Reflect.getMetadata('design:paramtypes', jobClass) ?? []) as unknown[];
  if (paramTypes.length === 0 && jobClass.length > 0) {
    return (
      `Cannot resolve ${jobClass.name}: its constructor has ${jobClass.length} parameter(s) but no decorator metadata. ` +
      'Load TypeScript with a compiler that emits it (tsc or SWC with emitDecoratorMetadata; not tsx/esbuild), ' +
      'and import injected classes as values, not with `import type`.'
    );
  }
  if (position) {
    const index = Number(position[1]);
    const names = constructorParameterNames(jobClass);
    const type = paramTypes[index] as { name?: string } | undefined;
    const parameter = `${names[index] ?? `#${index}`}${type?.name ? `: ${type.name}` : ''}`;
    return (
      `Cannot resolve ${jobClass.name}: constructor parameter #${index} (${parameter}) has no provider. ` +
      `Register it in the config's providers, or use a class token. (${text})`
    );
  }
  return `Cannot resolve ${jobClass.name}: ${text}`;
}

/** Parameter names, read from the class source; best effort, for error messages only. */
function constructorParameterNames(jobClass: JobClass): string[] {
  const match = /constructor\s*\(([^)]*)\)/.exec(jobClass.toString());
  if (!match?.[1]) return [];
  return match[1].split(',').map((part) => part.replace(/=.*$/s, '').replace(/[\s.]/g, '').trim());
}
