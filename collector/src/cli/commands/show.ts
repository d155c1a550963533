import { checkRecordId, showRecord, type ShowResult } from '../../admin/show';
import { UsageError, type Command } from '../command';
import { actorOf, runAdmin } from '../../access/admin-access';
import { loadCommandConfig } from '../config';

export const showCommand: Command = {
  name: 'show',
  summary: 'Print one audit record; with --decrypt, its content opened (logged to ai_audit.access_log).',
  description:
    'Prints the record as JSON. --decrypt opens the sealed prompt, response, system instructions and tool definitions with the configured keys, exactly as they were sealed, and needs a --reason: every opening is written to ai_audit.access_log (who, from which host, which record, why) before anything is shown.',
  options: {
    decrypt: { type: 'boolean', description: 'open the sealed content' },
    reason: { type: 'string', value: '<text>', description: 'why the content is opened (required with --decrypt)' },
    tenant: {
      type: 'string',
      value: '<id>',
      description: 'the tenant the record belongs to (needed only if the id exists for several)',
    },
    actor: { type: 'string', value: '<name>', description: 'who is asking, added to the OS user in the access log' },
  },
  positionals: [{ name: 'record_id', description: 'the record_id (a UUID)', required: true }],
  examples: [`ai-audit show 0b7c2f5e-3c1d-8a4b-9e2f-1a2b3c4d5e6f --decrypt --reason "SOC2 evidence request #42"`],
  async run(args, context) {
    const decrypt = args.options.decrypt === true;
    const reason = args.options.reason as string | undefined;
    if (decrypt && !reason?.trim())
      throw new UsageError('--decrypt needs --reason "<why>" (it goes to the access log)');
    checkRecordId(args.positionals[0]);
    const loaded = loadCommandConfig(args, context);
    const request = {
      recordId: args.positionals[0],
      tenantId: args.options.tenant as string | undefined,
      decrypt,
      reason,
      ...actorOf(args.options.actor),
    };
    const result = await runAdmin<ShowResult>(loaded, context, 'show', request, (admin) => showRecord(admin, request));
    context.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return 0;
  },
};
