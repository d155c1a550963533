import { keysStatus, rotateKeys, type KeysStatus, type RotateResult } from '../../admin/keys';
import { UsageError, type Command } from '../command';
import { runAdmin } from '../../access/admin-access';
import { loadCommandConfig } from '../config';

export const keysCommand: Command = {
  name: 'keys',
  summary: 'Key management: `keys rotate` (new KEK version, data keys re-wrapped) or `keys status`.',
  description:
    'rotate: starts a new key-encryption key version (local keyring, Vault; with env or KMS keys, rotate them there first) and re-wraps every data key under it. Records are not touched and keep opening. status: KEK versions, and data keys per KEK version with their use counts.',
  options: {
    json: { type: 'boolean', description: 'print JSON' },
  },
  positionals: [{ name: 'action', description: 'rotate | status', required: true }],
  examples: ['ai-audit keys status', 'ai-audit keys rotate'],
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
    throw new UsageError(`unknown action "${String(action).slice(0, 40)}" (rotate or status)`);
  },
};

function renderStatus(status: KeysStatus): string {
  const lines = [`provider: ${status.provider}`, 'KEK versions:'];
  for (const v of status.kekVersions)
    lines.push(`  ${v.version}${v.current ? ' (current)' : ''}${v.created ? `  created ${v.created}` : ''}`);
  lines.push('data keys by KEK version:');
  if (status.dataKeys.length === 0) lines.push('  none yet');
  for (const d of status.dataKeys)
    lines.push(
      `  ${d.kek_version}: ${d.keys} keys (${d.active} active, ${d.retired} retired), ${d.seals} seals recorded`,
    );
  return `${lines.join('\n')}\n`;
}
