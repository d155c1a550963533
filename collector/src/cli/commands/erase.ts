import { createInterface } from 'node:readline/promises';
import { eraseUser, type EraseResult } from '../../admin/erase';
import { UsageError, type Command } from '../command';
import { actorOf, runAdmin } from '../../access/admin-access';
import { loadCommandConfig } from '../config';

export const eraseCommand: Command = {
  name: 'erase',
  summary: 'Erase a user (GDPR Art. 17): destroy their data keys, pseudonymize or delete their rows.',
  description:
    "Destroys the user's data keys, so every copy of their sealed content (backups included) can no longer be opened; then pseudonymizes, deletes or keeps their metadata rows as processors.protect.erasure.metadata says, removes their entries from the write-ahead log and the replaced parts from disk, and records the request in ai_audit.erasures under a keyed pseudonym. It cannot be undone: it asks for the user id again on a terminal, and needs --yes otherwise. Running it again completes an interrupted erasure.",
  options: {
    tenant: { type: 'string', value: '<id>', description: 'the tenant', default: 'default' },
    user: { type: 'string', value: '<id>', description: 'the user id (user_id of their records)' },
    reason: { type: 'string', value: '<text>', description: 'the request this fulfils (recorded)' },
    actor: {
      type: 'string',
      value: '<name>',
      description: 'who performs it, added to the OS user in the erasure register',
    },
    yes: { type: 'boolean', short: 'y', description: 'do not ask for confirmation' },
  },
  positionals: [],
  examples: [
    `ai-audit erase --tenant acme --user alice@example.com --reason "GDPR request 2026-117"`,
    `ai-audit erase --yes --user alice@example.com --reason "GDPR request 2026-117"`,
  ],
  async run(args, context) {
    const userId = args.options.user as string | undefined;
    const reason = args.options.reason as string | undefined;
    if (!userId) throw new UsageError('--user <id> is required');
    if (!reason?.trim()) throw new UsageError('--reason "<why>" is required (it is recorded with the erasure)');
    const loaded = loadCommandConfig(args, context);
    if (args.options.yes !== true) await confirm(userId, args.options.tenant as string, context);
    const request = { tenantId: args.options.tenant as string, userId, reason, ...actorOf(args.options.actor) };
    const result = await runAdmin<EraseResult>(loaded, context, 'erase', request, (admin) => eraseUser(admin, request));
    const rows = {
      pseudonymize: `pseudonymized to ${result.pseudonym}`,
      delete: 'deleted',
      keep: 'kept (metadata: keep)',
    }[result.metadata];
    context.stdout.write(
      `erased user ${userId} of tenant ${request.tenantId}: ${result.keysDestroyed} data key${result.keysDestroyed === 1 ? '' : 's'} destroyed, ${result.rowsAffected} record${result.rowsAffected === 1 ? '' : 's'} ${rows}\n`,
    );
    return 0;
  },
};

/** Erasure cannot be undone: on a terminal the user id is typed again, elsewhere --yes is required. */
async function confirm(
  userId: string,
  tenantId: string,
  context: Parameters<typeof eraseCommand.run>[1],
): Promise<void> {
  if (!process.stdin.isTTY)
    throw new UsageError('erase cannot be undone: add --yes to confirm (there is no terminal to ask)');
  const prompt = createInterface({ input: process.stdin, output: context.stderr });
  try {
    const answer = await prompt.question(
      `Erase user ${userId} of tenant ${tenantId}? This cannot be undone. Type the user id to confirm: `,
    );
    if (answer.trim() !== userId) throw new UsageError('not confirmed: nothing was erased');
  } finally {
    prompt.close();
  }
}
