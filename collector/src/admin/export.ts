import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { DataKeyUnavailableError } from '../keys/data-keys';
import { accessRow } from '../ledger/access';
import { jsonSection } from '../store/wal-entry';
import { headMessage, nanosText, millisText } from '../ledger/entry';
import { EMPTY_CONTENT, RECORD_META_SQL, sha256Hex } from '../ledger/leaf';
import {
  buildProofs,
  manifestMessage,
  MANIFEST_FORMAT,
  type EntryHeader,
  type ExportFile,
  type Manifest,
  type SignedManifest,
} from '../ledger/manifest';
import { checkChains, readLedger, type EntryRow, type SignatureRow } from '../ledger/verify';
import { verifySignature, type PublicSigningKey } from '../keys/signing';
import type { LedgerEntry } from '../model/ledger';
import { SEALED_SELECT, sealedFields, type SealedRow } from '../keys/keyring';
import type { ContentField } from '../model/record';
import { guardQuery } from '../query/guard';
import { METADATA_COLUMNS, RECORD_COLUMNS } from '../store/row-binary';
import { AdminError, type Actor, type AdminContext } from './context';
import { parseTime } from './verify';

export type ExportFormat = 'csv' | 'jsonl' | 'parquet';

export interface ExportRequest extends Actor {
  tenant?: string;
  user?: string;
  from?: string;
  to?: string;
  /** A filter on records in ClickHouse SQL, checked like `ai-audit sql`. */
  where?: string;
  format: ExportFormat;
  decrypt: boolean;
  reason: string;
}

/** The files of an export (base64, so they cross the control socket as JSON) and the signed manifest. */
export interface ExportResult {
  manifest: SignedManifest;
  files: { name: string; base64: string }[];
  /** The ledger entry that records the export. */
  ledger: { chain: string; seq: number };
}

const FORMATS: Record<ExportFormat, { clickhouse: string; extension: string }> = {
  csv: { clickhouse: 'CSVWithNames', extension: 'csv' },
  jsonl: { clickhouse: 'JSONEachRow', extension: 'jsonl' },
  parquet: { clickhouse: 'Parquet', extension: 'parquet' },
};

/** Times are written and read back in UTC, whatever the server's zone: the digests depend on them. */
export const EXPORT_SETTINGS = { session_timezone: 'UTC', output_format_parquet_string_as_string: 1 } as const;

/** The records file's columns as `file()` takes them: the metadata, never the sealed content. */
export const EXPORT_STRUCTURE = RECORD_COLUMNS.filter(([column]) => METADATA_COLUMNS.includes(column))
  .map(([column, type]) => `${column} ${type}`)
  .join(', ');

/**
 * `ai-audit export` (docs/architecture.md, "Evidence"): the metadata of the selected records
 * as the engine writes it (CSV, JSON Lines or Parquet), optionally their content opened into
 * `content.jsonl` (each opening in the access log), and a manifest with the inclusion proof of
 * every row, signed with the ledger's key. The export is itself a ledger entry.
 */
export async function exportRecords(context: AdminContext, request: ExportRequest): Promise<ExportResult> {
  if (!request.reason.trim()) throw new AdminError('export needs a --reason (it is recorded with the export)');
  if (!(request.format in FORMATS))
    throw new AdminError(`unknown format "${String(request.format).slice(0, 20)}" (csv, jsonl or parquet)`);
  const fromMs = parseTime(request.from, '--from');
  const toMs = parseTime(request.to, '--to');
  // Everything committed before the export is signed and stored, so it can be proven.
  await context.ledger.sign();
  await context.flush();
  const { store, database } = context;
  // Rows stored after this moment are not part of the export, however long it takes.
  const cutoffMs = Date.now();
  const conditions = ['ingested_at <= toDateTime64({cutoff:Float64}, 3)'];
  const params: Record<string, string | number> = { cutoff: cutoffMs / 1000 };
  const filter = (condition: string, name: string, value: string | number | undefined): void => {
    if (value === undefined) return;
    conditions.push(condition);
    params[name] = value;
  };
  filter('tenant_id = {tenant:String}', 'tenant', request.tenant);
  filter('user_id = {user:String}', 'user', request.user);
  filter('timestamp >= toDateTime64({from:Float64}, 9)', 'from', fromMs === undefined ? undefined : fromMs / 1000);
  filter('timestamp < toDateTime64({to:Float64}, 9)', 'to', toMs === undefined ? undefined : toMs / 1000);
  if (request.where?.trim()) conditions.push(`(${request.where})`);
  // The selection is checked as `ai-audit sql` checks queries (--where is the caller's SQL),
  // and every query below reads the records it names through that one checked statement.
  const selected = await guardQuery(
    store,
    `SELECT record_id FROM ${database}.records WHERE ${conditions.join(' AND ')}`,
    params,
  );
  const where = `record_id IN (${selected})`;
  const format = FORMATS[request.format];

  // Ids go out as their text in every format: Parquet would hold UUIDs as 16 bytes in the
  // engine's own byte order, with column statistics the engine itself refuses when reading.
  const columns = METADATA_COLUMNS.map((column) =>
    column === 'record_id' ? 'toString(record_id) AS record_id' : column,
  );
  const data = await store.queryBytes(
    `SELECT ${columns.join(', ')} FROM ${database}.records WHERE ${where} ORDER BY timestamp, record_id`,
    format.clickhouse,
    params,
    EXPORT_SETTINGS,
  );
  const rows = await store.queryRows<{ id: string; meta: string }>(
    `SELECT toString(record_id) AS id, ${RECORD_META_SQL} AS meta FROM ${database}.records WHERE ${where} ORDER BY timestamp, record_id`,
    params,
  );
  const ledger = await trustedLedger(context);
  const committing = (await committingEntries(context, where, params)).filter((entry) =>
    ledger.covered.has(`${entry.chain}/${entry.seq}`),
  );
  const { entries, proofs, unproven } = buildProofs(rows, committing);

  const files: { name: string; data: Buffer; rows: number }[] = [
    { name: `records.${format.extension}`, data, rows: rows.length },
  ];
  if (request.decrypt)
    files.push({ name: 'content.jsonl', data: await openContent(context, request, where, params), rows: rows.length });

  const exportId = randomUUID();
  const manifest: Manifest = {
    format: MANIFEST_FORMAT,
    export_id: exportId,
    created_at: new Date(cutoffMs).toISOString(),
    actor: request.actor,
    host: request.host || hostname(),
    reason: request.reason,
    query: {
      tenant: request.tenant ?? null,
      user: request.user ?? null,
      from: fromMs === undefined ? null : new Date(fromMs).toISOString(),
      to: toMs === undefined ? null : new Date(toMs).toISOString(),
      where: request.where ?? null,
      format: request.format,
      decrypt: request.decrypt,
    },
    structure: EXPORT_STRUCTURE,
    files: files.map((file): ExportFile => ({
      name: file.name,
      sha256: sha256Hex(file.data),
      bytes: file.data.length,
      rows: file.rows,
    })),
    rows: rows.length,
    entries,
    proofs,
    unproven,
    chains: signedChains(entries, ledger),
  };
  const message = manifestMessage(manifest);
  const signature = await context.signer.sign(message);
  const entry = await context.ledger.commit(
    'export',
    request.tenant ?? '',
    [{ id: exportId, timeNanos: BigInt(cutoffMs) * 1_000_000n, meta: sha256Hex(message), content: EMPTY_CONTENT }],
    {
      actor: request.actor,
      reason: request.reason,
      rows: rows.length,
      format: request.format,
      decrypt: request.decrypt,
      files: manifest.files.map(({ name, sha256 }) => ({ name, sha256 })),
    },
  );
  return {
    manifest: { ...manifest, signature },
    files: files.map((file) => ({ name: file.name, base64: file.data.toString('base64') })),
    ledger: { chain: entry.chain, seq: entry.seq },
  };
}

/** The ledger's entries and signatures, and which entries valid signatures cover (ledger/verify.ts). */
async function trustedLedger(
  context: AdminContext,
): Promise<{ entries: EntryRow[]; signatures: SignatureRow[]; covered: Set<string>; keys: PublicSigningKey[] }> {
  const keys = await context.signer.publicKeys();
  const { entries, signatures } = await readLedger(context.store, context.database);
  const { covered } = checkChains(entries, signatures, { publicKeys: keys, unsignedGraceMs: 0 }, []);
  return { entries, signatures, covered, keys };
}

/**
 * For each chain the proofs use, the lowest valid signature at or above the last entry used,
 * and the headers of the entries from the first used up to it.
 */
function signedChains(
  used: readonly EntryHeader[],
  ledger: Awaited<ReturnType<typeof trustedLedger>>,
): Manifest['chains'] {
  const chains: Manifest['chains'] = [];
  for (const chain of new Set(used.map((entry) => entry.chain))) {
    const seqs = used.filter((entry) => entry.chain === chain).map((entry) => entry.seq);
    const [first, last] = [Math.min(...seqs), Math.max(...seqs)];
    const head = ledger.signatures
      .filter((s) => s.chain === chain && s.seq >= last && ledger.covered.has(`${chain}/${s.seq}`))
      .sort((a, b) => a.seq - b.seq)
      .find((s) => verifySignature(ledger.keys, headMessage(chain, s.seq, s.hash), s));
    if (!head) continue;
    const links = ledger.entries
      .filter(
        (entry) =>
          entry.chain === chain &&
          entry.seq >= first &&
          entry.seq <= head.seq &&
          ledger.covered.has(`${chain}/${entry.seq}`),
      )
      .map(({ at_ms, computed_root: _root, whole: _whole, ...entry }): EntryHeader => ({
        ...entry,
        at: millisText(at_ms),
      }));
    chains.push({ head, links });
  }
  return chains;
}

/** The ledger entries that commit any of the selected rows (as stored, or as an erasure left them). */
async function committingEntries(
  context: AdminContext,
  where: string,
  params: Record<string, string | number>,
): Promise<LedgerEntry[]> {
  const { store, database } = context;
  const rows = await store.queryRows<
    Omit<LedgerEntry, 'at' | 'record_times' | 'record_ids'> & { at_ms: number; ids: string[]; nanos: string[] }
  >(
    `SELECT chain, seq, kind, toUnixTimestamp64Milli(at) AS at_ms, tenant_id, prev_hash, hash, root, size, detail,
            arrayMap(id -> toString(id), record_ids) AS ids,
            arrayMap(t -> toString(toUnixTimestamp64Nano(t)), record_times) AS nanos, meta_digests, content_digests
     FROM ${database}.ledger
     WHERE kind IN ('records', 'erasure')
       AND hasAny(record_ids, (SELECT groupArray(record_id) FROM ${database}.records WHERE ${where}))
     ORDER BY chain, seq`,
    params,
    { output_format_json_quote_64bit_integers: 0 },
  );
  return rows.map(({ at_ms, ids, nanos, ...entry }) => ({
    ...entry,
    at: millisText(at_ms),
    record_ids: ids,
    record_times: nanos.map((n) => nanosText(BigInt(n))),
  }));
}

/** The selected records' content opened, one JSON line per record; each opening in access_log and the ledger. */
async function openContent(
  context: AdminContext,
  request: ExportRequest,
  where: string,
  params: Record<string, string | number>,
): Promise<Buffer> {
  const { store, database, keyring } = context;
  const rows = await store.queryRows<SealedRow>(
    `SELECT toString(record_id) AS record_id, tenant_id, ${SEALED_SELECT} FROM ${database}.records WHERE ${where} ORDER BY timestamp, record_id`,
    params,
  );
  const accesses = rows.map((row) =>
    accessRow({
      actor: request.actor,
      host: request.host,
      action: 'export',
      tenant_id: row.tenant_id,
      record_id: row.record_id,
      reason: request.reason,
    }),
  );
  // Logged before anything is opened, as `show --decrypt` does.
  for (const tenant of new Set(rows.map((row) => row.tenant_id))) {
    const mine = accesses.filter((access) => access.row.tenant_id === tenant);
    await context.ledger.commit(
      'access',
      tenant,
      mine.map((a) => a.leaf),
      { action: 'export', actor: request.actor },
      [
        jsonSection(
          'access_log',
          mine.map((a) => a.row),
        ),
      ],
    );
  }
  await context.flush();
  const lines: string[] = [];
  for (const row of rows) {
    let content: Partial<Record<ContentField, string | null>>;
    try {
      content = await keyring.openContent(row, store, database);
    } catch (error) {
      if (!(error instanceof DataKeyUnavailableError)) throw error;
      // Erased: the key is destroyed, and the export says so rather than failing.
      content = Object.fromEntries(sealedFields(row).map((field) => [field, null]));
    }
    lines.push(JSON.stringify({ record_id: row.record_id, ...content }));
  }
  return Buffer.from(lines.map((line) => `${line}\n`).join(''));
}
