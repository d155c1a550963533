import {
  keysStatus,
  publicKeys,
  rotateKeys,
  rotateSigningKey,
  type KeysStatus,
  type RotateResult,
} from '../../admin/keys';
import type { PublicKeysFile, PublicSigningKey } from '../../keys/signing';
import { UsageError, type Command } from '../command';
import { runAdmin } from '../../access/admin-access';
import { loadCommandConfig } from '../config';

export const keysCommand: Command = {
  name: 'keys',
  summary: 'Key management: `keys rotate`, `keys status`, `keys public` (ledger public keys), `keys rotate-signing`.',
  description:
    "rotate: starts a new key-encryption key version (local keyring, Vault; with env or KMS keys, rotate them there first) and re-wraps every data key under it. Records are not touched and keep opening. status: KEK versions, data keys per KEK version with their use counts, and the ledger signing keys. public: the ledger's public signing keys, old ones included, as JSON for auditors (`ai-audit verify --public-keys`, `ai-audit verify-export`). rotate-signing: a new current signing key (local, Vault); older keys stay listed.",
  options: {
    json: { type: 'boolean', description: 'print JSON' },
  },
  positionals: [{ name: 'action', description: 'rotate | status | public | rotate-signing', required: true }],
  examples: ['ai-audit keys status', 'ai-audit keys rotate', 'ai-audit keys public > ai-audit-public-keys.json'],
  async run(args, context) {
    const action = args.positionals[0];
    const loaded = loadCommandConfig(args, context);
    if (action === 'rotate') {
      const result = await runAdmin<RotateResult>(loaded, context, 'keys.rotate', {}, rotateKeys);
      context.stdout.write(
        args.options.json
          ? `${JSON.stringify(result, null, 2)}\n`
          : `${result.created ? 'new' : 'current'} ${result.provider} KEK version ${result.version}; ${result.rewrapped} data key${result.rewrapped === 1 ? '' : 's'} re-wrapped\n`,
      );
      return 0;
    }
    if (action === 'status') {
      const status = await runAdmin<KeysStatus>(loaded, context, 'keys.status', {}, keysStatus);
      context.stdout.write(args.options.json ? `${JSON.stringify(status, null, 2)}\n` : renderStatus(status));
      return 0;
    }
    if (action === 'public') {
      const keys = await runAdmin<PublicKeysFile>(loaded, context, 'keys.public', {}, publicKeys);
      context.stdout.write(`${JSON.stringify(keys, null, 2)}\n`);
      return 0;
    }
    if (action === 'rotate-signing') {
      const key = await runAdmin<PublicSigningKey>(loaded, context, 'keys.rotate-signing', {}, rotateSigningKey);
      context.stdout.write(args.options.json ? `${JSON.stringify(key, null, 2)}\n` : `new signing key ${key.key_id}\n`);
      return 0;
    }
    throw new UsageError(`unknown action "${String(action).slice(0, 40)}" (rotate, status, public or rotate-signing)`);
  },
};

function renderStatus(status: KeysStatus): string {
  const lines = [`provider: ${status.provider}`, 'KEK versions:'];
  for (const v of status.kekVersions)
    lines.push(`  ${v.version}${v.current ? ' (current)' : ''}${v.created ? `  created ${v.created}` : ''}`);
  lines.push(`ledger signing keys (${status.signing.provider}):`);
  for (const k of status.signing.keys)
    lines.push(`  ${k.key_id}${k.current ? ' (current)' : ''}${k.created ? `  created ${k.created}` : ''}`);
  lines.push('data keys by KEK version:');
  if (status.dataKeys.length === 0) lines.push('  none yet');
  for (const d of status.dataKeys)
    lines.push(
      `  ${d.kek_version}: ${d.keys} keys (${d.active} active, ${d.retired} retired), ${d.seals} seals recorded`,
    );
  return `${lines.join('\n')}\n`;
}
