import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, describe } from '../errors';
import { resolveConfig, type ConfigEnvironment } from './resolve-config';
import type { ResolvedConfig } from './resolved-config';

export const DEFAULT_CONFIG_FILES = ['runtime.config.ts', 'runtime.config.js'] as const;

/** The config file to use: the one named, or the first default found in `cwd`. */
export function findConfigFile(file: string | undefined, cwd = process.cwd()): string {
  if (file !== undefined) {
    const absolute = path.resolve(cwd, file);
    if (!fs.existsSync(absolute)) throw new ConfigError(`Config file ${absolute} does not exist`);
    return absolute;
  }
  for (const name of DEFAULT_CONFIG_FILES) {
    const candidate = path.join(cwd, name);
    if (fs.existsSync(candidate)) return candidate;
  }
  throw new ConfigError(`No ${DEFAULT_CONFIG_FILES.join(' or ')} in ${cwd}: create one with defineConfig(), or pass --config <file>`);
}

/** Imports a config module (its default export, or the module itself) and resolves it. */
export function loadConfig(file?: string, options: { cwd?: string; env?: ConfigEnvironment } = {}): ResolvedConfig {
  const configFile = findConfigFile(file, options.cwd);
  let loaded: unknown;
  try {
    loaded = requireDefault(configFile);
  } catch (error) {
    throw new ConfigError(`Config file ${configFile} threw while loading: ${describe(error)}`, { cause: error });
  }
  return resolveConfig(loaded, { source: configFile, rootDir: path.dirname(configFile), configFile }, options.env);
}

/** `export default defineConfig(...)` compiles to `exports.default`; `module.exports = ...` is accepted too. */
export function requireDefault(file: string): unknown {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(file) as { default?: unknown };
  return mod && typeof mod === 'object' && 'default' in mod ? mod.default : mod;
}
