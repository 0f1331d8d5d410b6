#!/usr/bin/env node
'use strict';
// The `warren` command on this repository's sources, for working on Warren itself (npm start, the
// tests). The installed package's command is the compiled dist/cli/main.js (package.json "bin").
// SWC emits the decorator metadata constructor injection needs; tsx and esbuild do not.
require('@swc-node/register');
require('../src/cli/main.ts');
