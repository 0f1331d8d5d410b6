import type { ResolvedConfig } from '../config/resolved-config';
import { findJobFiles, loadJobModules } from './load-job-modules';
import { TaskRegistry } from './task-registry';

/** The config's job files, imported and turned into task definitions with the config's defaults. */
export async function scanRegistry(config: ResolvedConfig): Promise<TaskRegistry> {
  return TaskRegistry.fromModules(loadJobModules(await findJobFiles(config.jobs, config.rootDir)), config.defaults);
}
