'use strict';
// Overhead scenario, variant "ai-audit hook": exactly `node --require @ai-audit/instrumentation/register`
// (spans over OTLP/gRPC to OTEL_EXPORTER_OTLP_ENDPOINT, content capture per
// OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT), with each call made inside
// withAuditContext as the README shows, so spans carry who called. BENCH_AUDIT_CONTEXT=false
// runs the calls as the other variants do, without it: the hook alone, side by side with the
// official instrumentation (which has no notion of the caller).
require('@ai-audit/instrumentation/register');
const { withAuditContext, flush } = require('@ai-audit/instrumentation');

const caller = { userId: 'user-00042', sessionId: 'sess-bench', feature: 'order-help' };
globalThis.benchRun = process.env.BENCH_AUDIT_CONTEXT === 'false' ? (fn) => fn() : (fn) => withAuditContext(caller, fn);
globalThis.benchFlush = flush;
