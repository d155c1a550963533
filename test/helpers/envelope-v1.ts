import { createCipheriv, randomBytes } from 'node:crypto';

/**
 * A version-1 envelope (one content field, base64), made here the way collectors before
 * `content_sealed` made them, independently of the collector's code: records written then
 * must still open.
 */
export function sealV1(
  key: Buffer,
  keyId: string,
  plaintext: string,
  target: { tenantId: string; recordId: string; column: string },
): string {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(
    Buffer.from(
      `ai-audit/seal/v1|tenant=${encodeURIComponent(target.tenantId)}|record=${target.recordId}|column=${target.column}`,
    ),
  );
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const id = Buffer.from(keyId, 'ascii');
  return Buffer.concat([Buffer.from([1, 1, id.length]), id, nonce, body, cipher.getAuthTag()]).toString('base64');
}
