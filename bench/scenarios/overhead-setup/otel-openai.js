'use strict';
// Overhead scenario, variant "@opentelemetry/instrumentation-openai" (the official one, Node-20
// line), with its defaults: message content is not captured (it would go to log events).
const { OpenAIInstrumentation } = require('@opentelemetry/instrumentation-openai');
require('./otel-sdk')(new OpenAIInstrumentation());
