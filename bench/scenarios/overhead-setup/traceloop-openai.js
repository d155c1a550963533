'use strict';
// Overhead scenario, variant "@traceloop/instrumentation-openai" (OpenLLMetry). Content on span
// attributes is its default; BENCH_TRACE_CONTENT=false turns it off (traceContent: false).
const { OpenAIInstrumentation } = require('@traceloop/instrumentation-openai');
require('./otel-sdk')(new OpenAIInstrumentation({ traceContent: process.env.BENCH_TRACE_CONTENT !== 'false' }));
