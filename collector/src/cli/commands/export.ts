import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportRecords, type ExportFormat, type ExportRequest, type ExportResult } from '../../admin/export';
import { actorOf, runAdmin } from '../../access/admin-access';
import { UsageError, type Command } from '../command';
import { loadCommandConfig } from '../config';

export const exportCommand: Command = {
  name: 'export',
  summary: 'Evidence for auditors: selected records, with a signed manifest of ledger proofs, into a directory.',
  description:
    'Writes the metadata of the selected records (CSV, JSON Lines or Parquet, written by the engine) into a new directory with manifest.json: the query, the files with their SHA-256 and row counts, the ledger entries that commit the rows with an inclusion proof for every row, signed with the ledger signing key. --decrypt adds content.jsonl with the content opened; every opening goes to the access log. The export is itself recorded in the ledger. Check it with `ai-audit verify-export`.',
  options: {
    out: { type: 'string', value: '<dir>', description: 'the directory to create (must not exist or be empty)' },
    reason: {
      type: 'string',
      value: '<text>',
      description: 'why the export is made (required; recorded in the ledger)',
    },
    tenant: { type: 'string', value: '<id>', description: 'only this tenant' },
    user: { type: 'string', value: '<id>', description: 'only this user' },
    from: { type: 'string', value: '<time>', description: 'records from this time (ISO 8601, UTC)' },
    to: { type: 'string', value: '<time>', description: 'records before this time' },
    where: {
      type: 'string',
      value: '<sql>',
      description: 'a further filter on ai_audit.records, checked like `ai-audit sql`',
    },
    format: {
      type: 'string',
      value: '<format>',
      choices: ['csv', 'jsonl', 'parquet'],
      default: 'csv',
      description: 'the records file format',
    },
    decrypt: { type: 'boolean', description: 'also write the content opened (content.jsonl); each opening is logged' },
    actor: {
      type: 'string',
      value: '<name>',
      description: 'who is asking, added to the OS user in the ledger and access log',
    },
  },
  positionals: [],
  examples: [
    'ai-audit export --out evidence-q3 --tenant acme --from 2026-07-01 --to 2026-10-01 --reason "SOC 2 sample request #12"',
    'ai-audit export --out user-x --user x@example.com --format parquet --decrypt --reason "GDPR Art. 15 access request 2026-88"',
  ],
  async run(args, context) {
    const out = args.options.out as string | undefined;
    if (!out) throw new UsageError('export needs --out <dir>');
    const reason = args.options.reason as string | undefined;
    if (!reason?.trim()) throw new UsageError('export needs --reason "<why>" (it is recorded in the ledger)');
    const usable = (): void => {
      if (!existsSync(out)) return;
      if (!statSync(out).isDirectory()) throw new UsageError(`${out} exists and is not a directory`);
      if (readdirSync(out).length > 0) throw new UsageError(`${out} exists and is not empty`);
    };
    usable();
    const request: ExportRequest = {
      tenant: args.options.tenant as string | undefined,
      user: args.options.user as string | undefined,
      from: args.options.from as string | undefined,
      to: args.options.to as string | undefined,
      where: args.options.where as string | undefined,
      format: (args.options.format as ExportFormat | undefined) ?? 'csv',
      decrypt: args.options.decrypt === true,
      reason,
      ...actorOf(args.options.actor),
    };
    const loaded = loadCommandConfig(args, context);
    context.stderr.write(`exporting records into ${out} ...\n`);
    const result = await runAdmin<ExportResult>(loaded, context, 'export', { ...request }, (admin) =>
      exportRecords(admin, request),
    );
    // Checked again: the export took a while, and nothing already there is overwritten.
    usable();
    mkdirSync(out, { recursive: true, mode: 0o700 });
    for (const file of result.files)
      writeFileSync(join(out, file.name), Buffer.from(file.base64, 'base64'), { mode: 0o600 });
    writeFileSync(join(out, 'manifest.json'), `${JSON.stringify(result.manifest, null, 2)}\n`, { mode: 0o600 });
    const { manifest } = result;
    context.stdout.write(
      `${manifest.rows} records exported to ${out} (${manifest.files.map((f) => f.name).join(', ')}, manifest.json); ` +
        `${manifest.proofs.length} proven in the ledger${manifest.unproven.length > 0 ? `, ${manifest.unproven.length} NOT (see manifest.unproven; run ai-audit verify)` : ''}; ` +
        `recorded as ledger entry ${result.ledger.seq}\n`,
    );
    return 0;
  },
};
