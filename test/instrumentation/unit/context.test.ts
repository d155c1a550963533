import { ROOT_CONTEXT } from '@opentelemetry/api';
import {
  auditAttributes,
  contextWithAudit,
  withAuditContext,
} from '../../../instrumentation/src/context/audit-context';

test('audit fields travel as baggage and come back as span attributes', () => {
  const ctx = contextWithAudit(ROOT_CONTEXT, {
    userId: 'u1',
    sessionId: 's1',
    conversationId: 'c1',
    tenantId: 't1',
    feature: 'f1',
  });
  expect(auditAttributes(ctx)).toEqual({
    'user.id': 'u1',
    'session.id': 's1',
    'gen_ai.conversation.id': 'c1',
    'ai_audit.tenant_id': 't1',
    'ai_audit.feature': 'f1',
  });
});

test('an inner context overrides only what it sets; numbers are accepted, junk is ignored', () => {
  const outer = contextWithAudit(ROOT_CONTEXT, { userId: 'u1', tenantId: 't1' });
  const inner = contextWithAudit(outer, {
    userId: 42 as unknown as string,
    feature: { not: 'a string' } as unknown as string,
    sessionId: '',
  });
  expect(auditAttributes(inner)).toEqual({ 'user.id': '42', 'ai_audit.tenant_id': 't1' });
});

test('withAuditContext returns what fn returns, sync or async, and never throws on bad input', async () => {
  expect(withAuditContext({ userId: 'u' }, () => 7)).toBe(7);
  await expect(withAuditContext({ userId: 'u' }, async () => 'later')).resolves.toBe('later');
  expect(withAuditContext(null as unknown as Record<string, string>, () => 'ok')).toBe('ok');
  expect(() =>
    withAuditContext({}, () => {
      throw new Error('from fn');
    }),
  ).toThrow('from fn');
});
