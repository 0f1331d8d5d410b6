'use strict';
// Compiles the user's TypeScript (config, job files, app scripts) as Node requires it, with SWC.
// Plain JavaScript so that it loads before any TypeScript can: in a CPU worker thread, and in a
// process whose first module is TypeScript. The options are fixed, not read from the user's
// tsconfig: decorator metadata is what constructor injection needs, whatever the tsconfig says.
const path = require('node:path');

const EXTENSIONS = ['.ts', '.cts', '.tsx'];

/** @type {((code: string, filename: string) => string) | undefined} */
let compile;

/**
 * Registers the hook for `.ts`, `.cts` and `.tsx` files outside node_modules, once per thread.
 * Does nothing when a TypeScript loader is already registered (the repository's own
 * `@swc-node/register`, or a user's loader of choice).
 * @returns {boolean} whether this call registered it
 */
function registerTypeScript() {
  // reflect-metadata first: tsyringe refuses to load without it, and a user's job file may import
  // tsyringe before anything imports warren.
  require('reflect-metadata');
  if (require.extensions['.ts']) return false;
  process.setSourceMapsEnabled(true);
  const { addHook } = require('pirates');
  addHook((code, filename) => compileTypeScript(code, filename), { exts: EXTENSIONS, ignoreNodeModules: true });
  return true;
}

/**
 * @param {string} code
 * @param {string} filename
 * @returns {string}
 */
function compileTypeScript(code, filename) {
  if (!compile) {
    // Loaded on the first TypeScript file only: a project of compiled JavaScript never pays for SWC.
    const swc = require('@swc/core');
    compile = (source, file) => swc.transformSync(source, swcOptions(file)).code;
  }
  return compile(code, filename);
}

/**
 * @param {string} filename
 * @returns {import('@swc/core').Options}
 */
function swcOptions(filename) {
  return {
    filename,
    swcrc: false,
    configFile: false,
    sourceMaps: 'inline',
    module: { type: 'commonjs' },
    jsc: {
      target: 'es2022',
      keepClassNames: true,
      parser: { syntax: 'typescript', decorators: true, tsx: path.extname(filename) === '.tsx' },
      transform: { legacyDecorator: true, decoratorMetadata: true },
    },
  };
}

module.exports = { registerTypeScript, compileTypeScript };
