import {
  baggageEntryMetadataFromString,
  propagation,
  ROOT_CONTEXT,
  type Attributes,
  type Context,
} from '@opentelemetry/api';
import { AuditBaggage } from '../../../instrumentation/src/context/audit-baggage';
import {
  contextWithAudit,
  putAuditAttributes,
  withAuditContext,
} from '../../../instrumentation/src/context/audit-context';

function auditAttributes(ctx: Context): Attributes {
  const attributes: Attributes = {};
  putAuditAttributes(attributes, ctx);
  return attributes;
}

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

test('the audit baggage behaves as the API baggage: immutable, entries handed out as copies', () => {
  const outer = propagation.createBaggage({ 'app.key': { value: 'a', metadata: baggageEntryMetadataFromString('m') } });
  const baggage = AuditBaggage.over(outer, [['user.id', { value: 'u1' }]]);
  expect(baggage.getAllEntries()).toEqual([...outer.getAllEntries(), ['user.id', { value: 'u1' }]]);
  (baggage.getEntry('user.id') as { value: string }).value = 'changed';
  expect(baggage.getEntry('user.id')).toEqual({ value: 'u1' });

  const changed = baggage.setEntry('user.id', { value: 'u2' }).removeEntry('app.key');
  expect(changed.getAllEntries()).toEqual([['user.id', { value: 'u2' }]]);
  expect(baggage.removeEntries('app.key', 'user.id').getAllEntries()).toEqual([]);
  expect(baggage.clear().getAllEntries()).toEqual([]);
  expect(baggage.getEntry('user.id')).toEqual({ value: 'u1' });
  expect(baggage.getEntry('app.key')?.metadata?.toString()).toBe('m');
});
