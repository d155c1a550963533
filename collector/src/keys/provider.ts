import { AuditError } from '../model/errors';
/**
 * Key providers (docs/architecture.md, "Seal, then log"): where the key-encryption keys (KEKs)
 * live. Data keys (DEKs) are generated here in the collector and only ever stored wrapped
 * by a KEK; the provider wraps, unwraps and re-wraps them, and derives the per-tenant keys
 * of the keyed prompt/response hashes. Plaintext KEKs never leave a KMS or Vault; with the
 * local and env providers they stay in this process's memory.
 */

/** A DEK wrapped by one version of a KEK. */
export interface WrappedKey {
  ciphertext: Buffer;
  /** Which KEK version wrapped it (provider-specific text, e.g. "3" or a KMS key ARN). */
  kekVersion: string;
}

export interface KekVersion {
  version: string;
  current: boolean;
  created?: string;
}

export interface KeyProvider {
  /** `local`, `env`, `aws-kms` or `vault-transit`: recorded with every wrapped DEK. */
  readonly kind: string;
  /**
   * Wraps `dek` under the current KEK. `context` is bound to the wrapping (AEAD associated
   * data, KMS encryption context, Vault associated data): unwrap must present it again,
   * so a wrapped key copied to another tenant or user cannot be opened there.
   */
  wrap(dek: Buffer, context: Record<string, string>): Promise<WrappedKey>;
  unwrap(wrapped: WrappedKey, context: Record<string, string>): Promise<Buffer>;
  /** The same DEK wrapped under the current KEK version (for rotation; records untouched). */
  rewrap(wrapped: WrappedKey, context: Record<string, string>): Promise<WrappedKey>;
  /**
   * Starts a new KEK version where the provider can (local keyring, Vault); where KEKs are
   * rotated outside (env variable, KMS) it only reports the current one. Either way,
   * re-wrapping data keys under the returned version completes a rotation.
   */
  rotate(): Promise<{ version: string; created: boolean }>;
  versions(): Promise<KekVersion[]>;
  /**
   * The HMAC key of one tenant's content hashes: deterministic, so the same text hashes the
   * same way in every process and after restarts, and versioned for the stored prefix.
   */
  hashKey(tenantId: string): Promise<{ version: string; key: Buffer }>;
}

/** A key operation that failed; the message names the provider and the operation, never key material. */
export class KeyProviderError extends AuditError {}

/** Context maps are bound in a canonical order so every provider binds the same bytes. */
export function canonicalContext(context: Record<string, string>): string {
  return Object.keys(context)
    .sort()
    .map((key) => `${key}=${encodeURIComponent(context[key])}`)
    .join('&');
}

/** Associated data of a locally wrapped DEK (local and env providers). */
export function dekAad(context: Record<string, string>): Buffer {
  return Buffer.from(`ai-audit/dek/v1|${canonicalContext(context)}`);
}
