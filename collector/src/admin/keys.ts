import type { DataKeyRow } from '../model/data-key';
import type { KekVersion } from '../keys';
import type { PublicKeysFile, PublicSigningKey } from '../keys/signing';
import type { AdminContext } from './context';
import { exclusively } from './exclusive';

export interface RotateResult {
  provider: string;
  version: string;
  /** False where the provider's KEKs rotate outside (env variable, KMS). */
  created: boolean;
  rewrapped: number;
}

/**
 * KEK rotation: the provider starts a new KEK version (where it can) and every data key
 * wrapped under an older one is re-wrapped under it. Records are not touched: their
 * content stays sealed under the same data keys, which now unwrap with the new KEK.
 */
export function rotateKeys(context: AdminContext): Promise<RotateResult> {
  return exclusively(() => rotate(context));
}

async function rotate(context: AdminContext): Promise<RotateResult> {
  const { store, database, keyring } = context;
  await context.flush();
  const { version, created } = await keyring.provider.rotate();
  const stale = await store.queryRows<DataKeyRow>(
    `SELECT * FROM ${database}.data_keys FINAL WHERE provider = {provider:String} AND kek_version != {version:String}`,
    { provider: keyring.provider.kind, version },
    { output_format_json_quote_64bit_integers: 0 },
  );
  const rewrapped: DataKeyRow[] = [];
  for (const row of stale) rewrapped.push(await keyring.dataKeys.rewrapped(row));
  for (let i = 0; i < rewrapped.length; i += 1000) {
    const chunk = rewrapped.slice(i, i + 1000);
    await store.insertJsonRows(`${database}.data_keys`, chunk.map((row) => JSON.stringify(row)).join('\n'), {
      insert_deduplication_token: `rotate:${version}:${chunk[0].key_id}:${chunk[0].version}`,
    });
  }
  // Collapse the superseded rows, so keys wrapped under the old KEK leave the table.
  if (rewrapped.length > 0) await store.command(`OPTIMIZE TABLE ${database}.data_keys FINAL`);
  return { provider: keyring.provider.kind, version, created, rewrapped: rewrapped.length };
}

export interface KeysStatus {
  provider: string;
  kekVersions: KekVersion[];
  /** The ledger's signing keys (no private material). */
  signing: { provider: string; keys: PublicSigningKey[] };
  dataKeys: { kek_version: string; keys: number; active: number; retired: number; seals: number }[];
}

export async function keysStatus(context: AdminContext): Promise<KeysStatus> {
  const { store, database, keyring } = context;
  const dataKeys = await store.queryRows<KeysStatus['dataKeys'][number]>(
    `SELECT kek_version, count() AS keys, countIf(retired_at IS NULL) AS active, countIf(retired_at IS NOT NULL) AS retired, sum(seals) AS seals
     FROM ${database}.data_keys FINAL WHERE provider = {provider:String} GROUP BY kek_version ORDER BY kek_version`,
    { provider: keyring.provider.kind },
    { output_format_json_quote_64bit_integers: 0 },
  );
  return {
    provider: keyring.provider.kind,
    kekVersions: await keyring.provider.versions(),
    signing: { provider: context.signer.kind, keys: await context.signer.publicKeys() },
    dataKeys,
  };
}

/** The public signing keys, old ones included, as auditors keep them (`ai-audit keys public`). */
export async function publicKeys(context: AdminContext): Promise<PublicKeysFile> {
  return { format: 'ai-audit-public-keys/1', keys: await context.signer.publicKeys() };
}

/** A new current signing key; older ones stay listed, so their signatures still verify. */
export function rotateSigningKey(context: AdminContext): Promise<PublicSigningKey> {
  return exclusively(() => context.signer.rotate());
}
