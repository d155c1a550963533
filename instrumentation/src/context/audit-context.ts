import { context, propagation, type Attributes, type BaggageEntry, type Context } from '@opentelemetry/api';
import { AuditBaggage } from './audit-baggage';
import { AI_AUDIT_FEATURE, AI_AUDIT_TENANT_ID, GEN_AI_CONVERSATION_ID, SESSION_ID, USER_ID } from '../semconv';

/** Who is calling: copied onto every GenAI span started inside `withAuditContext`. */
export interface AuditContext {
  userId?: string;
  sessionId?: string;
  conversationId?: string;
  tenantId?: string;
  feature?: string;
}

/**
 * Baggage keys are the span attribute names themselves, so a value reads the same wherever it
 * shows up (baggage, span, collector record).
 */
const BAGGAGE_KEYS: { readonly [K in keyof Required<AuditContext>]: string } = {
  userId: USER_ID,
  sessionId: SESSION_ID,
  conversationId: GEN_AI_CONVERSATION_ID,
  tenantId: AI_AUDIT_TENANT_ID,
  feature: AI_AUDIT_FEATURE,
};

/** The fields with their keys, listed once: these run on every call. */
const FIELDS = Object.entries(BAGGAGE_KEYS) as [keyof AuditContext, string][];
const KEYS = Object.values(BAGGAGE_KEYS);

/** Plain JavaScript callers pass numeric ids too; anything else is ignored rather than thrown on. */
function asValue(value: unknown): string | undefined {
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  return undefined;
}

/** `parent` with the given fields set in its baggage; fields left out keep their outer value. */
export function contextWithAudit(parent: Context, audit: AuditContext): Context {
  const entries: [string, BaggageEntry][] = [];
  for (const [field, key] of FIELDS) {
    const value = asValue(audit?.[field]);
    if (value !== undefined) entries.push([key, { value }]);
  }
  return propagation.setBaggage(parent, AuditBaggage.over(propagation.getBaggage(parent), entries));
}

/**
 * Runs `fn` (sync or async) with `audit` as the caller of every LLM call made inside it, and
 * returns what `fn` returns. Nested calls override only the fields they set.
 */
export function withAuditContext<T>(audit: AuditContext, fn: () => T): T {
  let ctx: Context;
  try {
    ctx = contextWithAudit(context.active(), audit);
  } catch {
    return fn();
  }
  return context.with(ctx, fn);
}

/** Sets on `target` the span attributes that the audit baggage of `ctx` carries. */
export function putAuditAttributes(target: Attributes, ctx: Context): void {
  const baggage = propagation.getBaggage(ctx);
  if (!baggage) return;
  for (const key of KEYS) {
    const entry = baggage.getEntry(key);
    if (entry?.value) target[key] = entry.value;
  }
}
