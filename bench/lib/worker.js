'use strict';
/**
 * Runs one scenario in a process of its own (forked by bench/run.js), so no scenario inherits
 * another's heap, JIT state or embedded-store session (the embedded engine admits one data
 * path per process). argv[2] is the scenario id, argv[3] the context as JSON; progress lines
 * and the result go back over IPC.
 */
const path = require('node:path');

const [id, contextJson] = process.argv.slice(2);
const scenario = require(path.join(__dirname, '..', 'scenarios', `${id}.js`));
const ctx = { ...JSON.parse(contextJson), log: (line) => process.send({ log: line }) };

scenario
  .run(ctx)
  .then((result) => process.send({ result }, () => process.exit(0)))
  .catch((error) => process.send({ error: error.stack ?? String(error) }, () => process.exit(1)));
