import { readFileSync } from 'node:fs';
import type { Command } from '../command';
import { runAdmin } from '../../access/admin-access';
import { loadCommandConfig } from '../config';

export const hashCommand: Command = {
  name: 'hash',
  summary: 'Print the prompt_hash a prompt text gets, to find its records without storing it.',
  description:
    "Hashes the text as the collector hashes a prompt (its last user message: text normalized to NFC and trimmed) with the tenant's key. Look it up with: ai-audit sql \"SELECT ... FROM ai_audit.records WHERE prompt_hash = '<value>'\".",
  options: {
    tenant: { type: 'string', value: '<id>', description: 'the tenant whose hash key to use', default: 'default' },
  },
  positionals: [{ name: 'text', description: 'the prompt text; "-" reads it from standard input', required: true }],
  examples: [`ai-audit hash --tenant acme "What is my account balance?"`],
  async run(args, context) {
    const text = args.positionals[0] === '-' ? readFileSync(0, 'utf8') : args.positionals[0];
    const loaded = loadCommandConfig(args, context);
    const tenantId = args.options.tenant as string;
    const value = await runAdmin<string>(loaded, context, 'hash', { tenantId, text }, (admin) =>
      admin.keyring.hashText(tenantId, text),
    );
    context.stdout.write(`${value}\n`);
    return 0;
  },
};
