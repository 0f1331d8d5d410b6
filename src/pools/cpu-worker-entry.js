'use strict';
// piscina loads its worker file with import(), which bypasses require hooks such as the
// TypeScript loader. This CommonJS entry registers the loader when the worker's source is
// TypeScript, then hands over to it. It must never throw: a worker that fails while loading
// makes piscina stop replacing workers, so job modules are loaded later, per task.
const fs = require('node:fs');
const path = require('node:path');

const compiled = path.join(__dirname, 'cpu-worker.js');
if (!fs.existsSync(compiled) && !require.extensions['.ts']) require('@swc-node/register');
module.exports = require('./cpu-worker');
