import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifySignature, type PublicSigningKey } from '../keys/signing';
import { Store } from '../store/client';
import { sqlString } from '../store/sql-literal';
import { RECORD_META_SQL, sha256Hex } from './leaf';
import { checkManifestChains, checkProof, manifestMessage, MANIFEST_FORMAT, type SignedManifest } from './manifest';

/**
 * `ai-audit verify-export DIR`, offline: the manifest's signature under the given public
 * keys, every file's SHA-256, no file added or missing, and every row of the records file
 * proven into the ledger entry the manifest names, its metadata digest recomputed from the
 * row by the embedded engine. Needs no store and no collector, only the directory and keys.
 */

export interface ExportProblem {
  file?: string;
  record_id?: string;
  detail: string;
}

export interface ExportCheck {
  ok: boolean;
  export_id?: string;
  rows: number;
  proven: number;
  unproven: number;
  problems: ExportProblem[];
}

const FORMAT_OF: Record<string, string> = { csv: 'CSVWithNames', jsonl: 'JSONEachRow', parquet: 'Parquet' };

export async function verifyExport(dir: string, keys: readonly PublicSigningKey[]): Promise<ExportCheck> {
  const problems: ExportProblem[] = [];
  const check = (extra: Partial<ExportCheck> = {}): ExportCheck => ({
    ok: problems.length === 0,
    rows: 0,
    proven: 0,
    unproven: 0,
    problems,
    ...extra,
  });
  let manifest: SignedManifest;
  try {
    manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as SignedManifest;
    if (manifest.format !== MANIFEST_FORMAT) throw new Error('format');
  } catch {
    problems.push({
      file: 'manifest.json',
      detail: `missing, or not an ai-audit export manifest (${MANIFEST_FORMAT})`,
    });
    return check();
  }
  if (!manifest.signature || !verifySignature(keys, manifestMessage(manifest), manifest.signature))
    problems.push({
      file: 'manifest.json',
      detail: 'the signature does not verify under the given public keys (edited, or signed by another key)',
    });
  for (const wrong of checkManifestChains(manifest, keys)) problems.push({ file: 'manifest.json', detail: wrong });

  const listed = new Set(manifest.files.map((f) => f.name));
  for (const name of readdirSync(dir))
    if (name !== 'manifest.json' && !listed.has(name))
      problems.push({ file: name, detail: 'a file the manifest does not list' });
  for (const file of manifest.files) {
    let data: Buffer;
    try {
      data = readFileSync(join(dir, file.name));
    } catch {
      problems.push({ file: file.name, detail: 'listed in the manifest but missing' });
      continue;
    }
    if (sha256Hex(data) !== file.sha256 || data.length !== file.bytes)
      problems.push({ file: file.name, detail: 'its SHA-256 is not the one in the manifest (edited)' });
  }

  const recordsFile = manifest.files.find((f) => f.name.startsWith('records.'));
  if (!recordsFile) {
    problems.push({ detail: 'the manifest lists no records file' });
    return check({ export_id: manifest.export_id });
  }
  let rows: { id: string; meta: string }[];
  try {
    rows = await rowDigests(
      join(dir, recordsFile.name),
      recordsFile.name.split('.').pop() as string,
      manifest.structure,
    );
  } catch (error) {
    problems.push({
      file: recordsFile.name,
      detail: `the engine cannot read it: ${(error as Error).message.slice(0, 200)}`,
    });
    return check({ export_id: manifest.export_id });
  }
  const proofs = new Map(manifest.proofs.map((proof) => [proof.record_id, proof]));
  const unproven = new Set(manifest.unproven.map((u) => u.record_id));
  const seen = new Set<string>();
  let proven = 0;
  for (const row of rows) {
    if (seen.has(row.id)) problems.push({ file: recordsFile.name, record_id: row.id, detail: 'the row appears twice' });
    seen.add(row.id);
    const proof = proofs.get(row.id);
    if (!proof) {
      problems.push({
        file: recordsFile.name,
        record_id: row.id,
        detail: unproven.has(row.id)
          ? 'the export itself says no signed ledger entry commits this row as it is (run ai-audit verify on the store)'
          : 'a row the manifest does not name (added)',
      });
      continue;
    }
    const wrong = checkProof(manifest, proof, row.meta);
    if (wrong) problems.push({ file: recordsFile.name, record_id: row.id, detail: wrong });
    else proven++;
  }
  for (const id of [...proofs.keys(), ...unproven])
    if (!seen.has(id))
      problems.push({
        file: recordsFile.name,
        record_id: id,
        detail: 'a row the manifest names is not in the file (removed)',
      });
  if (rows.length !== manifest.rows)
    problems.push({ file: recordsFile.name, detail: `${rows.length} rows where the manifest says ${manifest.rows}` });
  const content = manifest.files.find((f) => f.name === 'content.jsonl');
  if (content) checkContent(join(dir, content.name), seen, problems);
  return check({ export_id: manifest.export_id, rows: rows.length, proven, unproven: unproven.size });
}

/** Each row's id and metadata digest, read from the file by the engine with the manifest's column types. */
async function rowDigests(path: string, extension: string, structure: string): Promise<{ id: string; meta: string }[]> {
  const format = FORMAT_OF[extension];
  if (!format) throw new Error(`unknown file type .${extension}`);
  const scratch = mkdtempSync(join(tmpdir(), 'ai-audit-verify-export-'));
  const store = await Store.open({ kind: 'embedded', path: join(scratch, 'clickhouse') }, { database: 'ai_audit' });
  try {
    return await store.queryRows<{ id: string; meta: string }>(
      `SELECT toString(record_id) AS id, ${RECORD_META_SQL} AS meta FROM file(${sqlString(path)}, ${sqlString(format)}, ${sqlString(structure)})`,
      undefined,
      { session_timezone: 'UTC' },
    );
  } finally {
    await store.close();
    rmSync(scratch, { recursive: true, force: true });
  }
}

function checkContent(path: string, exported: Set<string>, problems: ExportProblem[]): void {
  for (const line of readFileSync(path, 'utf8').split('\n').filter(Boolean)) {
    let id: unknown;
    try {
      id = (JSON.parse(line) as { record_id?: unknown }).record_id;
    } catch {
      problems.push({ file: 'content.jsonl', detail: 'a line that is not JSON' });
      continue;
    }
    if (typeof id !== 'string' || !exported.has(id))
      problems.push({
        file: 'content.jsonl',
        record_id: String(id),
        detail: 'content of a record that is not in the export',
      });
  }
}
