/**
 * @ai-audit/instrumentation: start it with `node --require @ai-audit/instrumentation/register`
 * (or `--import` for ES modules); this entry point is for application code.
 */
import { running } from './running';

export { withAuditContext, type AuditContext } from './context/audit-context';

/**
 * Sends the spans (and metrics) recorded so far. The hook already flushes before the process
 * exits on its own and on SIGTERM / SIGINT; call this from your own shutdown code before
 * `process.exit()`, which ends the process before anything asynchronous can finish.
 * Resolves once exported; never rejects; does nothing when the hook is not running.
 */
export function flush(): Promise<void> {
  const sdk = running()?.sdk;
  return sdk ? sdk.flush().catch(() => undefined) : Promise.resolve();
}
