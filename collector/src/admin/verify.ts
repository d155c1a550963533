import type { PublicSigningKey } from '../keys/signing';
import { verifyLedger, type DigestFile, type VerifyReport } from '../ledger/verify';
import { AdminError, type AdminContext } from './context';

export interface VerifyRequest {
  tenant?: string;
  /** ISO 8601 times or dates. */
  from?: string;
  to?: string;
  /** Trusted public keys (an auditor's copy); default: the configured signer's. */
  publicKeys?: PublicSigningKey[];
  digests?: DigestFile[];
  sample?: number;
}

/** How long after its entry a signature may still be missing: a few signing intervals. */
const SIGNING_GRACE_INTERVALS = 3;
const SIGNING_GRACE_MS = 60_000;

/** `ai-audit verify`: the store's rows against the ledger (ledger/verify.ts), after storing what is pending. */
export async function verifyStore(context: AdminContext, request: VerifyRequest): Promise<VerifyReport> {
  const scope = {
    tenant: request.tenant,
    fromMs: parseTime(request.from, '--from'),
    toMs: parseTime(request.to, '--to'),
  };
  if (scope.fromMs !== undefined && scope.toMs !== undefined && scope.fromMs >= scope.toMs)
    throw new AdminError('--from must be before --to');
  // Everything before the verification is signed and stored first.
  await context.ledger.sign();
  await context.flush();
  const { retention, ledger } = context.storeConfig;
  return verifyLedger({
    store: context.store,
    database: context.database,
    publicKeys: request.publicKeys ?? (await context.signer.publicKeys()),
    retention: { recordsMs: retention.records, contentMs: retention.content },
    unsignedGraceMs: SIGNING_GRACE_INTERVALS * ledger.sign_interval + SIGNING_GRACE_MS,
    scope,
    sample: request.sample,
    digests: request.digests,
    flush: context.flush,
  });
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * An ISO 8601 date or time, in milliseconds: UTC unless it names a zone. Anything else, and
 * dates that do not exist (2026-02-30), are refused rather than guessed at.
 */
export function parseTime(value: string | undefined, option: string): number | undefined {
  if (value === undefined) return undefined;
  const refuse = (): never => {
    throw new AdminError(
      `${option} "${value.slice(0, 40)}" is not an ISO 8601 date or time (e.g. 2026-07-01 or 2026-07-01T12:00:00Z)`,
    );
  };
  if (!ISO_TIME.test(value)) refuse();
  // Date.parse rolls 2026-02-30 over to March 2: the calendar date must exist as written.
  const [year, month, day] = value.slice(0, 10).split('-').map(Number);
  if (new Date(Date.UTC(year, month - 1, day)).toISOString().slice(0, 10) !== value.slice(0, 10)) refuse();
  const zoned = /(?:Z|[+-]\d{2}:?\d{2})$/.test(value);
  const ms = Date.parse(value.length === 10 ? `${value}T00:00:00Z` : `${value.replace(' ', 'T')}${zoned ? '' : 'Z'}`);
  if (Number.isNaN(ms)) refuse();
  return ms;
}
