'use strict';
// node --require @ai-audit/instrumentation/register app.js   (or NODE_OPTIONS=--require ...)
require('./dist/register.js').install('require');
