import { verifyExport, type ExportCheck } from '../../ledger/verify-export';
import { publicKeys } from '../../admin/keys';
import { runAdmin } from '../../access/admin-access';
import type { PublicKeysFile } from '../../keys/signing';
import { UsageError, type Command } from '../command';
import { loadCommandConfig } from '../config';
import { readPublicKeys } from './verify';

export const verifyExportCommand: Command = {
  name: 'verify-export',
  summary: 'Check an export directory offline: signature, file hashes, and every row proven into the ledger.',
  description:
    'Checks the manifest signature under the given public keys, the SHA-256 of every file, that no file was added or removed, and that every row of the records file, its metadata digest recomputed from the row, leads through its inclusion proof to the root of the ledger entry the manifest names. Needs no store: only the directory and `--public-keys` (the output of `ai-audit keys public`); without it the configured signing keys are used. Exit 0 when everything checks, 1 otherwise.',
  options: {
    'public-keys': { type: 'string', value: '<file>', description: 'the trusted public keys (`ai-audit keys public`)' },
    format: {
      type: 'string',
      value: '<format>',
      choices: ['text', 'json'],
      default: 'text',
      description: 'output format',
    },
  },
  positionals: [{ name: 'dir', description: 'the export directory', required: true }],
  examples: ['ai-audit verify-export evidence-q3 --public-keys ai-audit-public-keys.json'],
  async run(args, context) {
    const dir = args.positionals[0];
    if (!dir) throw new UsageError('verify-export needs the export directory');
    const keysFile = args.options['public-keys'] as string | undefined;
    const keys = keysFile
      ? readPublicKeys(keysFile)
      : (await runAdmin<PublicKeysFile>(loadCommandConfig(args, context), context, 'keys.public', {}, publicKeys)).keys;
    const result = await verifyExport(dir, keys);
    context.stdout.write(args.options.format === 'json' ? `${JSON.stringify(result, null, 2)}\n` : render(result));
    return result.ok ? 0 : 1;
  },
};

function render(check: ExportCheck): string {
  const lines = [
    `export ${check.export_id ?? '(unknown)'}: ${check.rows} rows, ${check.proven} proven in the ledger${check.unproven > 0 ? `, ${check.unproven} declared unproven` : ''}`,
  ];
  if (check.ok) lines.push('OK: the signature, every file and every row check');
  else {
    lines.push(`FAILED: ${check.problems.length} problem${check.problems.length === 1 ? '' : 's'}`);
    for (const p of check.problems) lines.push(`  ${[p.file, p.record_id].filter(Boolean).join(' ')}: ${p.detail}`);
  }
  return `${lines.join('\n')}\n`;
}
