import type fastGlob from 'fast-glob';
import path from 'node:path';
import { JobModuleLoadError, RegistryError } from '../errors';
import type { JobModule } from './task-registry';

/** The job files matched by the config's globs, relative to `rootDir`, in a stable order. */
export async function findJobFiles(patterns: readonly string[], rootDir: string): Promise<string[]> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const fg = require('fast-glob') as typeof fastGlob; // on use: a CPU thread or a client never scans
  const files = await fg([...patterns], { cwd: rootDir, absolute: true, onlyFiles: true, ignore: ['**/*.d.ts', '**/node_modules/**'] });
  if (files.length === 0) {
    throw new RegistryError(`No job files match ${patterns.map((p) => `'${p}'`).join(', ')} in ${rootDir}`);
  }
  return files.map((file) => path.normalize(file)).sort();
}

/**
 * Imports each job module. A module that throws stops here, with the file named,
 * so a runtime never starts with half its tasks.
 */
export function loadJobModules(files: readonly string[]): JobModule[] {
  return files.map((file) => {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      return { file, exports: require(file) as Record<string, unknown> };
    } catch (error) {
      throw new JobModuleLoadError(file, error);
    }
  });
}
