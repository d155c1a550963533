#!/usr/bin/env node
'use strict';
// Thin launcher: the CLI is compiled to dist/ by `npm install` (root `prepare`).
require('../dist/cli/main.js').main(process.argv.slice(2));
