import { eraseUser } from '../../admin/erase';
import { keysStatus, publicKeys, rotateKeys, rotateSigningKey } from '../../admin/keys';
import { showRecord } from '../../admin/show';
import { exportRecords, type ExportFormat } from '../../admin/export';
import { verifyStore, type VerifyRequest } from '../../admin/verify';
import { AdminError, type AdminContext } from '../../admin/context';
import type { ClickHouseExporterConfig, ProtectProcessorConfig } from '../../config/types';
import type { Keyring } from '../../keys/keyring';
import type { Signer } from '../../keys/signing';
import type { LedgerWriter } from '../../ledger/ledger';
import { analystSettings, queryBudget } from '../../query/budget';
import { QueryReader } from '../../query/reader';
import type { Store } from '../../store/client';
import type { StoreTarget } from '../../store/endpoint';
import { ControlRequestError, type ControlHandler } from './server';

const FLUSH_TIMEOUT_MS = 60_000;

/**
 * What the control socket needs of an exporter: the store it writes, and its write-ahead
 * log to drain or purge (the clickhouse exporter has all of it). Found by shape, so this
 * extension never imports an exporter.
 */
export interface ControlledExporter {
  readonly config: ClickHouseExporterConfig;
  readonly store: Store;
  readonly target: StoreTarget;
  readonly walDir: string;
  /** The ledger chain of its log, which administrative operations commit to. */
  readonly ledger: LedgerWriter;
  readonly signer: Signer;
  flush(timeoutMs: number): Promise<void>;
  purgeLog(subject: { tenantId: string; userId: string }, timeoutMs: number): Promise<void>;
}

/** What it needs of the protect processor feeding that exporter: its keys and its erasure fence. */
export interface KeyHolder {
  readonly config: Pick<ProtectProcessorConfig, 'erasure'>;
  readonly keyring: Keyring;
  fence(tenantId: string, subject: string): () => void;
}

/** What it needs of a processor that holds records back (join): to let a subject's go before an erasure. */
export interface WaitingRoom {
  fence(tenantId: string, subject: string): Promise<() => void>;
}

/**
 * The operations a running collector performs for CLI commands: read-only queries on a
 * session of their own, and the administrative operations (show, erase, keys, hash) with
 * the collector's own keys and store, after draining its write-ahead log where it matters.
 */
export async function controlHandlers(
  exporter: ControlledExporter,
  protect: KeyHolder | undefined,
  waitingRooms: WaitingRoom[],
  /** Resolves once every batch already in the pipelines feeding `exporter` has left them. */
  settle: () => Promise<void>,
): Promise<{ handlers: Record<string, ControlHandler>; close: () => Promise<void> }> {
  const reader = new QueryReader(
    exporter.target,
    exporter.store.database,
    analystSettings(queryBudget(exporter.config)),
  );
  const admin = (): AdminContext => {
    if (!protect) throw new ControlRequestError('the pipeline has no protect processor: there are no keys to use');
    return {
      store: exporter.store,
      database: exporter.store.database,
      keyring: protect.keyring,
      erasure: protect.config.erasure,
      storeConfig: exporter.config,
      ledger: exporter.ledger,
      signer: exporter.signer,
      flush: () => exporter.flush(FLUSH_TIMEOUT_MS),
      fence: async (tenantId, subject) => {
        // First what waits goes on (through protect, so before its fence), then protect refuses the subject.
        const releases: (() => void)[] = [];
        try {
          for (const room of waitingRooms) releases.push(await room.fence(tenantId, subject));
        } catch (error) {
          for (const release of releases) release();
          throw error;
        }
        releases.push(protect.fence(tenantId, subject));
        await settle();
        return () => {
          for (const release of releases) release();
        };
      },
      purgeLog: (tenantId, userId) => exporter.purgeLog({ tenantId, userId }, FLUSH_TIMEOUT_MS),
    };
  };
  const text = (value: unknown, name: string): string => {
    if (typeof value !== 'string') throw new ControlRequestError(`"${name}" must be a string`);
    return value;
  };
  const optional = (value: unknown, name: string): string | undefined =>
    value === undefined ? undefined : text(value, name);
  // A named query's `{name:Type}` values (ai-audit query), bound by the engine, never spliced.
  const params = (value: unknown): Record<string, string | number> | undefined => {
    if (value === undefined) return undefined;
    const valid =
      typeof value === 'object' &&
      value !== null &&
      !Array.isArray(value) &&
      Object.values(value).every((v) => typeof v === 'string' || typeof v === 'number');
    if (!valid) throw new ControlRequestError('"params" must be an object of strings and numbers');
    return value as Record<string, string | number>;
  };
  const refusals =
    (run: ControlHandler): ControlHandler =>
    async (request, caller) => {
      try {
        return await run(request, caller);
      } catch (error) {
        if (error instanceof AdminError) throw new ControlRequestError(error.message);
        throw error;
      }
    };
  return {
    handlers: {
      ping: async () => 'pong',
      query: async ({ sql, format, params: values }) =>
        reader.query(text(sql, 'sql'), text(format, 'format'), params(values)),
      show: refusals(async (r, caller) =>
        showRecord(admin(), {
          recordId: text(r.recordId, 'recordId'),
          tenantId: r.tenantId as string | undefined,
          decrypt: r.decrypt === true,
          reason: r.reason as string | undefined,
          ...caller,
        }),
      ),
      erase: refusals(async (r, caller) =>
        eraseUser(admin(), {
          tenantId: text(r.tenantId, 'tenantId'),
          userId: text(r.userId, 'userId'),
          reason: text(r.reason, 'reason'),
          ...caller,
        }),
      ),
      verify: refusals(async (r) => verifyStore(admin(), verifyRequest(r))),
      export: refusals(async (r, caller) =>
        exportRecords(admin(), {
          tenant: optional(r.tenant, 'tenant'),
          user: optional(r.user, 'user'),
          from: optional(r.from, 'from'),
          to: optional(r.to, 'to'),
          where: optional(r.where, 'where'),
          format: text(r.format, 'format') as ExportFormat,
          decrypt: r.decrypt === true,
          reason: text(r.reason, 'reason'),
          ...caller,
        }),
      ),
      'keys.rotate': refusals(async () => rotateKeys(admin())),
      'keys.status': refusals(async () => keysStatus(admin())),
      'keys.public': refusals(async () => publicKeys(admin())),
      'keys.rotate-signing': refusals(async () => rotateSigningKey(admin())),
      hash: refusals(async (r) => admin().keyring.hashText(text(r.tenantId, 'tenantId'), text(r.text, 'text'))),
    },
    close: () => reader.close(),
  };
}

/** A verify request from a client, its fields checked: strings, a number, arrays of objects. */
function verifyRequest(r: Record<string, unknown>): VerifyRequest {
  const optionalText = (name: string): string | undefined => {
    const value = r[name];
    if (value !== undefined && typeof value !== 'string') throw new ControlRequestError(`"${name}" must be a string`);
    return value;
  };
  const list = <T>(name: string, fields: string[]): T[] | undefined => {
    const value = r[name];
    if (value === undefined) return undefined;
    const valid =
      Array.isArray(value) &&
      value.every(
        (item) =>
          typeof item === 'object' &&
          item !== null &&
          fields.every((f) => typeof (item as Record<string, unknown>)[f] === 'string'),
      );
    if (!valid) throw new ControlRequestError(`"${name}" must be a list of objects with ${fields.join(', ')}`);
    return value as T[];
  };
  if (
    r.sample !== undefined &&
    !(typeof r.sample === 'number' && Number.isInteger(r.sample) && r.sample >= 0 && r.sample <= 100_000)
  )
    throw new ControlRequestError('"sample" must be a whole number from 0 to 100000');
  return {
    tenant: optionalText('tenant'),
    from: optionalText('from'),
    to: optionalText('to'),
    sample: r.sample as number | undefined,
    publicKeys: list('publicKeys', ['key_id', 'algorithm', 'public_key']),
    digests: list('digests', ['name', 'text']),
  };
}
