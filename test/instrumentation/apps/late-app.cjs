'use strict';
// Starts the hook from code, after openai was already loaded: too late to patch it.
require('openai');
require('@ai-audit/instrumentation/register');
