import type { ClickHouseExporterConfig, ProtectProcessorConfig } from '../config/types';
import type { Keyring } from '../keys/keyring';
import type { Signer } from '../keys/signing';
import type { LedgerWriter } from '../ledger/ledger';
import type { Store } from '../store/client';
import { AuditError } from '../model/errors';

/**
 * What administrative operations (show, erase, keys) need, wherever they run: in the
 * collector behind its control socket, or in the CLI process when no collector holds the
 * store. One implementation serves both.
 */
export interface AdminContext {
  /** A store session that may write (access log, erasures, data keys). */
  store: Store;
  database: string;
  keyring: Keyring;
  /** What an erasure does to the user's rows (processors.protect.erasure). */
  erasure: ProtectProcessorConfig['erasure'];
  /** The store's retention and ledger settings: verify explains changes by them. */
  storeConfig: Pick<ClickHouseExporterConfig, 'retention' | 'ledger'>;
  /** The ledger chain openings, erasures and exports are committed to. */
  ledger: LedgerWriter;
  /** The ledger's signing keys. */
  signer: Signer;
  /** Wait until everything acknowledged so far is in the store (a running collector drains its WAL). */
  flush: () => Promise<void>;
  /**
   * Stop taking records of a subject (a running collector refuses them until the release)
   * and wait until those already accepted are in the write-ahead log.
   */
  fence: (tenantId: string, subject: string) => Promise<() => void>;
  /**
   * Store everything acknowledged so far, then delete the write-ahead log files that held
   * it and the subject's rows from the dead-letter file next to the log.
   */
  purgeLog: (tenantId: string, subject: string) => Promise<void>;
}

/** Who asked, for the access log and the erasure register. */
export interface Actor {
  actor: string;
  host: string;
}

/** A refusal the caller can fix (unknown record, missing reason): exit code 1 with this message. */
export class AdminError extends AuditError {}
