import * as http from 'node:http';
import * as https from 'node:https';
import { context } from '@opentelemetry/api';
import { contextWithAudit } from './audit-context';

type Emit = (this: unknown, event: string | symbol, ...args: unknown[]) => boolean;

function headerValue(request: unknown, header: string): string | undefined {
  const headers = (request as http.IncomingMessage | undefined)?.headers;
  const value = headers?.[header];
  const first = Array.isArray(value) ? value[0] : value;
  return first ? first : undefined;
}

/**
 * For services that already carry the user in a header (AI_AUDIT_USER_HEADER): every incoming
 * request is handled with that user as the audit user, as if the handler were wrapped in
 * `withAuditContext({ userId })`. The server's own `emit` runs the request listeners
 * synchronously, so the context it sets reaches everything the handler starts.
 */
export function mapUserHeader(header: string): void {
  for (const Server of [http.Server, https.Server]) {
    const proto = Server.prototype as unknown as { emit: Emit };
    const inherited = proto.emit;
    Object.defineProperty(proto, 'emit', {
      configurable: true,
      writable: true,
      value: function emit(this: unknown, event: string | symbol, ...args: unknown[]): boolean {
        const user = event === 'request' ? headerValue(args[0], header) : undefined;
        if (user === undefined) return inherited.call(this, event, ...args);
        return context.with(contextWithAudit(context.active(), { userId: user }), () =>
          inherited.call(this, event, ...args),
        );
      },
    });
  }
}
