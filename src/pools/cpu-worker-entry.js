'use strict';
// piscina loads its worker file with import(), which bypasses require hooks such as the
// TypeScript loader. This CommonJS entry registers a loader when the worker's source is
// TypeScript, then hands over to it. It must never throw: a worker that fails while loading
// makes piscina stop replacing workers, so job modules are loaded later, per task.
const fs = require('node:fs');
const path = require('node:path');
const { workerData } = require('node:worker_threads');

const compiled = path.join(__dirname, 'cpu-worker.js');
if (!fs.existsSync(compiled) && !require.extensions['.ts']) {
  const typescript = workerData && workerData.typescript;
  if (typescript) {
    // SWC with the options the main thread derived from tsconfig (src/pools/worker-typescript.ts):
    // the TypeScript compiler itself is not loaded into this thread.
    const { transformSync } = require('@swc-node/core');
    const { addHook } = require('pirates');
    process.setSourceMapsEnabled(true);
    addHook((code, filename) => transformSync(code, filename, typescript.swcOptions).code, { exts: ['.ts'] });
  } else {
    require('@swc-node/register');
  }
}
module.exports = require('./cpu-worker');
