import { createHash, timingSafeEqual } from 'node:crypto';
import type { PeerCertificate } from 'node:tls';
import type { AuthConfig } from '../../config/types';
import { isIdentifier } from '../../config/identifier';

/** What a request presented: its Authorization value and, under mTLS, its verified certificate. */
export interface Credentials {
  authorization?: string;
  certificate?: PeerCertificate;
}

/** Without an auth section, every request belongs to this tenant. */
export const DEFAULT_TENANT = 'default';

export type AuthOutcome = { tenantId: string } | { refused: string };

/**
 * Maps a request's credentials to its tenant (README.md, "Ingestion security": the tenant comes from the
 * credential, never from span attributes). Bearer tokens are configured as SHA-256 hashes
 * and compared in constant time against every configured hash; a client certificate
 * (already verified by TLS against client_ca_file) names its tenant by subject CN.
 */
export class Authenticator {
  private readonly tokens: { tenant: string; hash: Buffer }[];

  constructor(private readonly config: AuthConfig | undefined) {
    this.tokens = (config?.tokens ?? []).map((entry) => ({
      tenant: entry.tenant,
      hash: Buffer.from(entry.sha256, 'hex'),
    }));
  }

  authenticate(credentials: Credentials): AuthOutcome {
    if (!this.config) return { tenantId: DEFAULT_TENANT };
    const authorization = credentials.authorization?.trim();
    if (authorization) {
      const match = /^Bearer\s+(\S+)$/i.exec(authorization);
      if (!match) return { refused: 'the Authorization header must be "Bearer <token>"' };
      const tenant = this.tenantOfToken(match[1]);
      return tenant === undefined ? { refused: 'invalid bearer token' } : { tenantId: tenant };
    }
    if (this.config.client_certificates && credentials.certificate?.subject?.CN)
      return tenantOfCertificate(credentials.certificate.subject.CN);
    if (this.config.anonymous_tenant) return { tenantId: this.config.anonymous_tenant };
    return { refused: 'credentials required (Authorization: Bearer <token>, or a client certificate)' };
  }

  private tenantOfToken(token: string): string | undefined {
    const presented = createHash('sha256').update(token, 'utf8').digest();
    let tenant: string | undefined;
    // Every entry is compared, whatever matches first, so timing says nothing about which.
    for (const entry of this.tokens) {
      if (timingSafeEqual(presented, entry.hash) && tenant === undefined) tenant = entry.tenant;
    }
    return tenant;
  }
}

/**
 * The tenant a certificate's subject CN names. A CA signs whatever subject it was asked
 * to, so the CN is checked like a configured tenant id: one that does not fit (`../evil`,
 * spaces, control characters) or several CNs are refused, never used or cleaned up into
 * some other tenant.
 */
function tenantOfCertificate(cn: string | string[]): AuthOutcome {
  const names = Array.isArray(cn) ? cn : [cn];
  if (names.length === 1 && isIdentifier(names[0])) return { tenantId: names[0] };
  const shown = JSON.stringify(names.join(',').slice(0, 64));
  return {
    refused: `the client certificate's subject CN ${shown} is not a tenant id (one CN of letters, digits and _)`,
  };
}
