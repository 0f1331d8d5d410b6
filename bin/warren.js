#!/usr/bin/env node
'use strict';
// Job classes rely on decorator metadata for constructor injection, so TypeScript is loaded with
// SWC (which emits it), never with an esbuild-based loader such as tsx.
require('@swc-node/register');
require('../src/cli/main.ts');
