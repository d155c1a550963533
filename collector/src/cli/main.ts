import { ConfigError } from '../config/errors';
import { collectorVersion } from '../version';
import { isInvalidInput } from '../model/errors';
import { errorMessage } from '../telemetry/logger';
import { commandHelp, parseCommandArgs, UsageError, type Command, type CommandContext } from './command';
import { eraseCommand } from './commands/erase';
import { hashCommand } from './commands/hash';
import { keysCommand } from './commands/keys';
import { queryCommand } from './commands/query';
import { reportCommand } from './commands/report';
import { showCommand } from './commands/show';
import { sqlCommand } from './commands/sql';
import { startCommand } from './commands/start';
import { tokenCommand } from './commands/token';
import { validateCommand } from './commands/validate';
import { verifyCommand } from './commands/verify';
import { exportCommand } from './commands/export';
import { verifyExportCommand } from './commands/verify-export';

const COMMANDS: Command[] = [
  startCommand,
  sqlCommand,
  queryCommand,
  reportCommand,
  showCommand,
  hashCommand,
  eraseCommand,
  keysCommand,
  tokenCommand,
  validateCommand,
  verifyCommand,
  exportCommand,
  verifyExportCommand,
];

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 4;
  return [
    'Usage: ai-audit <command> [options]',
    '',
    'The audit trail for LLM calls: an OTLP collector that seals and stores GenAI spans in ClickHouse.',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    'Every command takes --config <file> and --help.',
    '',
  ].join('\n');
}

/**
 * Entry point of the `ai-audit` binary. Exit codes: 0 success, 1 failure at run time,
 * 2 bad usage or configuration. Every failure is one line on stderr.
 */
export async function main(
  argv: string[],
  context: CommandContext = { stdout: process.stdout, stderr: process.stderr, env: process.env },
): Promise<void> {
  process.exitCode = await run(argv, context);
}

/** One line: what went wrong, and where to look when the mistake is in the command line or the config. */
function describeFailure(error: unknown, command: string): string {
  if (error instanceof UsageError) return `${error.message} (see ai-audit ${command} --help)`;
  if (error instanceof ConfigError) return `invalid configuration: ${error.message}`;
  return errorMessage(error);
}

export async function run(argv: string[], context: CommandContext): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    context.stdout.write(overview());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    context.stdout.write(`${collectorVersion()}\n`);
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    context.stderr.write(
      `ai-audit: unknown command "${name.slice(0, 40)}" (commands: ${COMMANDS.map((c) => c.name).join(', ')})\n`,
    );
    return 2;
  }
  try {
    const args = parseCommandArgs(command, rest);
    if (args.options.help) {
      context.stdout.write(commandHelp(command));
      return 0;
    }
    return await command.run(args, context);
  } catch (error) {
    context.stderr.write(`ai-audit ${command.name}: ${describeFailure(error, command.name)}\n`);
    return isInvalidInput(error) ? 2 : 1;
  }
}
