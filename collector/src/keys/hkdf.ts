import { hkdfSync } from 'node:crypto';

/** A 32-byte key derived from `secret` for one purpose (`info`), per RFC 5869. */
export function deriveKey(secret: Buffer, info: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), info, 32));
}

/** The HKDF label of a tenant's hash key, shared by the providers that derive locally. */
export function hashKeyInfo(tenantId: string): string {
  return `ai-audit/hash/v1|tenant=${tenantId}`;
}
