import { createHash, createHmac } from 'node:crypto';

/**
 * Content hashes, so an auditor can ask "was this prompt ever sent?" without anyone
 * storing the prompt: `hmac-sha256:v<key version>:<hex>` under a per-tenant key (plain
 * SHA-256 of a prompt can be confirmed by anyone who guesses it), or `sha256:<hex>` when
 * configured. What is hashed is the canonical text of model/hashed-text.ts.
 */
export type HashAlgorithm = 'hmac-sha256' | 'sha256';

export function contentHash(algorithm: HashAlgorithm, text: string, key?: { version: string; key: Buffer }): string {
  if (algorithm === 'sha256') return `sha256:${createHash('sha256').update(text, 'utf8').digest('hex')}`;
  if (!key) throw new Error('hmac-sha256 needs a hash key');
  return `hmac-sha256:v${key.version}:${createHmac('sha256', key.key).update(text, 'utf8').digest('hex')}`;
}
