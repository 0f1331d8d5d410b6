'use strict';
// piscina loads its worker file with import(), which bypasses require hooks. This CommonJS entry
// registers Warren's TypeScript hook (for the user's .ts job files, and for Warren's own sources
// when it runs uncompiled in its repository), then hands over. It must never throw: a worker that
// fails while loading makes piscina stop replacing workers, so job modules are loaded per task.
require('../loader/typescript-hook').registerTypeScript();
module.exports = require('./cpu-worker');
