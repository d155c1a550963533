import { createHash, timingSafeEqual } from 'node:crypto';
import type { PeerCertificate } from 'node:tls';
import type { AuthConfig } from '../config/types';

/** What a request presented: its Authorization value and, under mTLS, its verified certificate. */
export interface Credentials {
  authorization?: string;
  certificate?: PeerCertificate;
}

/** Without an auth section, every request belongs to this tenant. */
export const DEFAULT_TENANT = 'default';

export type AuthOutcome = { tenantId: string } | { refused: string };

/**
 * Maps a request's credentials to its tenant (DESIGN.md §3: the tenant comes from the
 * credential, never from span attributes). Bearer tokens are configured as SHA-256 hashes
 * and compared in constant time against every configured hash; a client certificate
 * (already verified by TLS against client_ca_file) names its tenant by subject CN.
 */
export class Authenticator {
  private readonly tokens: { tenant: string; hash: Buffer }[];

  constructor(private readonly config: AuthConfig | undefined) {
    this.tokens = (config?.tokens ?? []).map((entry) => ({ tenant: entry.tenant, hash: Buffer.from(entry.sha256, 'hex') }));
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
    if (this.config.client_certificates && credentials.certificate?.subject?.CN) {
      const cn = credentials.certificate.subject.CN;
      return { tenantId: Array.isArray(cn) ? cn[0] : cn };
    }
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
