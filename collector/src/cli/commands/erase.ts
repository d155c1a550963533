import { eraseUser, type EraseResult } from '../../admin/erase';
import { UsageError, type Command } from '../command';
import { actorOf, runAdmin } from '../admin-access';
import { loadCommandConfig } from '../config';

export const eraseCommand: Command = {
  name: 'erase',
  summary: "Erase a user (GDPR Art. 17): destroy their data keys, pseudonymize or delete their rows.",
  description:
    "Destroys the user's data keys, so every copy of their sealed content (backups included) can no longer be opened; then pseudonymizes, deletes or keeps their metadata rows as processors.protect.erasure.metadata says, and records the request in ai_audit.erasures under a keyed pseudonym. Running it again completes an interrupted erasure.",
  options: {
    tenant: { type: 'string', value: '<id>', description: 'the tenant', default: 'default' },
    user: { type: 'string', value: '<id>', description: 'the user id (user_id of their records)' },
    reason: { type: 'string', value: '<text>', description: 'the request this fulfils (recorded)' },
    actor: { type: 'string', value: '<name>', description: 'who performs it (default: the OS user)' },
  },
  positionals: [],
  examples: [`ai-audit erase --tenant acme --user alice@example.com --reason "GDPR request 2026-117"`],
  async run(args, context) {
    const userId = args.options.user as string | undefined;
    const reason = args.options.reason as string | undefined;
    if (!userId) throw new UsageError('--user <id> is required');
    if (!reason?.trim()) throw new UsageError('--reason "<why>" is required (it is recorded with the erasure)');
    const loaded = loadCommandConfig(args, context);
    const request = { tenantId: args.options.tenant as string, userId, reason, ...actorOf(args.options.actor) };
    const result = await runAdmin<EraseResult>(loaded, context, 'erase', request, (admin) => eraseUser(admin, request));
    const rows = { pseudonymize: `pseudonymized to ${result.pseudonym}`, delete: 'deleted', keep: 'kept (metadata: keep)' }[result.metadata];
    context.stdout.write(
      `erased user ${userId} of tenant ${request.tenantId}: ${result.keysDestroyed} data key${result.keysDestroyed === 1 ? '' : 's'} destroyed, ${result.rowsAffected} record${result.rowsAffected === 1 ? '' : 's'} ${rows}\n`,
    );
    return 0;
  },
};
