import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isIdentifier } from '../../config/identifier';
import { UsageError, type Command } from '../command';

export const tokenCommand: Command = {
  name: 'token',
  summary: 'Make a bearer token for a tenant and print the config entry that accepts it.',
  description:
    'The collector stores only the SHA-256 of each token (receivers.otlp.auth.tokens). Give the token to the service (OTEL_EXPORTER_OTLP_HEADERS="Authorization=Bearer <token>") and put the printed entry in the config. With --hash, hashes an existing token instead ("-" reads it from standard input).',
  options: {
    tenant: { type: 'string', value: '<id>', description: 'the tenant the token belongs to', default: 'default' },
    hash: { type: 'string', value: '<token>', description: 'hash this token instead of making one' },
  },
  positionals: [],
  examples: ['ai-audit token --tenant acme'],
  async run(args, context) {
    const tenant = args.options.tenant as string;
    if (!isIdentifier(tenant)) throw new UsageError('--tenant must be an identifier (letters, digits and _)');
    const given = args.options.hash as string | undefined;
    const token =
      given === undefined
        ? randomBytes(32).toString('base64url')
        : given === '-'
          ? readFileSync(0, 'utf8').trim()
          : given;
    if (token === '') throw new UsageError('the token is empty');
    const sha256 = createHash('sha256').update(token, 'utf8').digest('hex');
    if (given === undefined) context.stdout.write(`token: ${token}\n`);
    context.stdout.write(
      `config entry for receivers.otlp.auth.tokens:\n  - tenant: ${tenant}\n    sha256: ${sha256}\n`,
    );
    return 0;
  },
};
