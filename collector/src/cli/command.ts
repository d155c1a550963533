import { parseArgs } from 'node:util';
import { InvalidInputError } from '../model/errors';

/**
 * A CLI command declared as data: its options and positionals drive both parsing and
 * `--help`, so the help text can never drift from what the parser accepts.
 */

export interface OptionSpec {
  type: 'string' | 'boolean';
  description: string;
  /** Placeholder shown in help, e.g. `<file>`. */
  value?: string;
  short?: string;
  choices?: readonly string[];
  default?: string;
  multiple?: boolean;
}

export interface PositionalSpec {
  name: string;
  description: string;
  required?: boolean;
}

export interface ParsedArgs {
  options: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

export interface CommandContext {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
}

export interface Command {
  name: string;
  summary: string;
  description?: string;
  options: Record<string, OptionSpec>;
  positionals: PositionalSpec[];
  examples?: string[];
  /** Resolves with the exit code. */
  run(args: ParsedArgs, context: CommandContext): Promise<number>;
}

/** Bad usage: reported as `ai-audit <command>: <message>` with a pointer to --help, exit 2. */
export class UsageError extends InvalidInputError {}

/** Options every command takes. */
export const COMMON_OPTIONS: Record<string, OptionSpec> = {
  config: {
    type: 'string',
    value: '<file>',
    description: 'collector config (default: $AI_AUDIT_CONFIG, else ./otel-config.yaml)',
  },
  help: { type: 'boolean', short: 'h', description: 'show this help' },
};

export function parseCommandArgs(command: Command, argv: string[]): ParsedArgs {
  const all = { ...command.options, ...COMMON_OPTIONS };
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: Object.fromEntries(
        Object.entries(all).map(([name, spec]) => [
          name,
          { type: spec.type, multiple: spec.multiple ?? false, ...(spec.short ? { short: spec.short } : {}) },
        ]),
      ),
    });
  } catch (error) {
    // Node's messages run on ("Unknown option '--x'. To specify a positional argument..."): keep the first sentence.
    throw new UsageError(
      String((error as Error).message)
        .split('\n', 1)[0]
        .split('. ', 1)[0]
        .replace(/\.$/, ''),
    );
  }
  const options = parsed.values as ParsedArgs['options'];
  if (options.help) return { options, positionals: parsed.positionals };
  for (const [name, spec] of Object.entries(all)) {
    const value = options[name];
    if (value === undefined && spec.default !== undefined) options[name] = spec.default;
    if (spec.choices && typeof options[name] === 'string' && !spec.choices.includes(options[name] as string)) {
      throw new UsageError(
        `--${name} must be one of ${spec.choices.join(', ')} (got "${String(options[name]).slice(0, 40)}")`,
      );
    }
  }
  const required = command.positionals.filter((p) => p.required);
  if (parsed.positionals.length < required.length)
    throw new UsageError(`missing <${required[parsed.positionals.length].name}>`);
  if (parsed.positionals.length > command.positionals.length)
    throw new UsageError(`unexpected argument "${parsed.positionals[command.positionals.length].slice(0, 40)}"`);
  return { options, positionals: parsed.positionals };
}

export function commandHelp(command: Command): string {
  const positionals = command.positionals.map((p) => (p.required ? `<${p.name}>` : `[${p.name}]`)).join(' ');
  const lines = [
    `Usage: ai-audit ${command.name} [options]${positionals ? ` ${positionals}` : ''}`,
    '',
    command.summary,
  ];
  if (command.description) lines.push('', command.description);
  if (command.positionals.length) {
    lines.push('', 'Arguments:');
    for (const p of command.positionals) lines.push(`  ${p.name.padEnd(26)}${p.description}`);
  }
  lines.push('', 'Options:');
  for (const [name, spec] of Object.entries({ ...command.options, ...COMMON_OPTIONS })) {
    const flag = `${spec.short ? `-${spec.short}, ` : ''}--${name}${spec.value ? ` ${spec.value}` : ''}`;
    const extra = [
      spec.choices ? `one of ${spec.choices.join(', ')}` : '',
      spec.default !== undefined ? `default ${spec.default}` : '',
    ]
      .filter(Boolean)
      .join('; ');
    lines.push(`  ${flag.padEnd(26)}${spec.description}${extra ? ` (${extra})` : ''}`);
  }
  if (command.examples?.length) lines.push('', 'Examples:', ...command.examples.map((e) => `  ${e}`));
  return `${lines.join('\n')}\n`;
}
