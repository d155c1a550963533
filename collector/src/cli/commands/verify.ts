import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { verifyStore, type VerifyRequest } from '../../admin/verify';
import { runAdmin } from '../../access/admin-access';
import { parsePublicKeys } from '../../keys/signing';
import type { DigestFile, VerifyReport } from '../../ledger/verify';
import { UsageError, type Command } from '../command';
import { loadCommandConfig } from '../config';

export const verifyCommand: Command = {
  name: 'verify',
  summary: 'Prove the store: recompute the ledger and report every row changed, missing or never committed.',
  description:
    'Checks every ledger chain (entry hashes, links, Merkle roots over the stored leaves, signatures of the heads), then recomputes the digest of every record and access-log row inside the engine and compares it with what the ledger committed. Rows changed or removed by the content or records retention, by an erasure (named by its ledger entry, date and reason) or refused into dead_letters are explained; anything else is a problem: altered, missing, or never committed. Exit 0 only when every difference is explained, 1 otherwise.',
  options: {
    tenant: {
      type: 'string',
      value: '<id>',
      description: 'only rows of this tenant (the chains are always checked whole)',
    },
    from: { type: 'string', value: '<time>', description: 'only rows from this time (ISO 8601, UTC)' },
    to: { type: 'string', value: '<time>', description: 'only rows before this time' },
    'public-keys': {
      type: 'string',
      value: '<file>',
      description:
        'trust only these public keys (the output of `ai-audit keys public`); default: the configured signing keys',
    },
    digests: {
      type: 'string',
      value: '<dir>',
      description: 'also check the digest files in this directory (ledger.digest_directory)',
    },
    sample: { type: 'string', value: '<n>', description: 'rows to name per status (default 20)' },
    format: {
      type: 'string',
      value: '<format>',
      choices: ['text', 'json'],
      default: 'text',
      description: 'output format',
    },
  },
  positionals: [],
  examples: [
    'ai-audit verify',
    'ai-audit verify --tenant acme --from 2026-07-01 --to 2026-10-01 --format json',
    'ai-audit verify --public-keys auditor-keys.json --digests /mnt/worm/ai-audit',
  ],
  async run(args, context) {
    const sample = args.options.sample === undefined ? undefined : Number(args.options.sample);
    if (sample !== undefined && !(Number.isInteger(sample) && sample >= 0 && sample <= 100_000))
      throw new UsageError('--sample must be a whole number from 0 to 100000');
    const request: VerifyRequest = {
      tenant: args.options.tenant as string | undefined,
      from: args.options.from as string | undefined,
      to: args.options.to as string | undefined,
      sample,
      publicKeys:
        args.options['public-keys'] === undefined ? undefined : readPublicKeys(args.options['public-keys'] as string),
      digests: args.options.digests === undefined ? undefined : readDigests(args.options.digests as string),
    };
    const loaded = loadCommandConfig(args, context);
    const report = await runAdmin<VerifyReport>(loaded, context, 'verify', { ...request }, (admin) =>
      verifyStore(admin, request),
    );
    context.stdout.write(
      args.options.format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : renderReport(report),
    );
    return report.ok ? 0 : 1;
  },
};

export function readPublicKeys(path: string): ReturnType<typeof parsePublicKeys> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  return parsePublicKeys(text, path);
}

/** Every `.json` file under `dir`, read here: the collector is handed their text, not a path. */
function readDigests(dir: string): DigestFile[] {
  const files: DigestFile[] = [];
  const walk = (at: string): void => {
    for (const name of readdirSync(at)) {
      const path = join(at, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.json')) files.push({ name: relative(dir, path), text: readFileSync(path, 'utf8') });
    }
  };
  try {
    walk(dir);
  } catch (error) {
    throw new UsageError(
      `cannot read the digest directory ${dir}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
    );
  }
  return files;
}

const STATUS_TEXT: Record<string, string> = {
  verified: 'verified',
  content_expired: 'content cleared by retention',
  expired: 'expired by retention',
  erased: 'erased',
  dead_lettered: 'dead-lettered',
  altered: 'ALTERED',
  missing: 'MISSING',
  uncommitted: 'NEVER COMMITTED',
};

function renderReport(report: VerifyReport): string {
  const lines: string[] = [];
  const entries = report.chains.reduce((sum, c) => sum + c.entries, 0);
  const waiting = report.chains.reduce((sum, c) => sum + c.awaiting_signature, 0);
  lines.push(
    `ledger: ${report.chains.length} chain${report.chains.length === 1 ? '' : 's'}, ${entries} entries${waiting > 0 ? ` (${waiting} recent ones awaiting their signature)` : ''}`,
  );
  for (const [table, counts] of Object.entries(report.rows)) {
    const parts = Object.entries(counts).map(([status, n]) => `${n} ${STATUS_TEXT[status] ?? status}`);
    lines.push(`${table}: ${parts.length > 0 ? parts.join(', ') : 'no rows'}`);
  }
  for (const item of report.explained) lines.push(`  ${item.status} ${item.table} ${item.id}: ${item.detail}`);
  if (report.ok)
    lines.push(`OK: every row is as committed or its change is explained (${report.seconds.toFixed(1)} s)`);
  else {
    lines.push(`FAILED: ${report.problems.length} problem${report.problems.length === 1 ? '' : 's'}`);
    for (const p of report.problems) {
      const where = [
        p.table,
        p.id,
        p.tenant && `tenant ${p.tenant}`,
        p.time,
        p.chain && `chain ${p.chain}`,
        p.seq && `entry ${p.seq}`,
      ]
        .filter(Boolean)
        .join(' ');
      lines.push(`  ${p.kind}${where ? ` ${where}` : ''}: ${p.detail}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
