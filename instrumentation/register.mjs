// node --import @ai-audit/instrumentation/register app.mjs
// Also hooks ES module imports of the LLM client libraries; the top-level await holds the
// application's imports back until the loader has them on its list.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
await require('./dist/register.js').install('import');
