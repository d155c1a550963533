import { existsSync } from 'node:fs';
import { components } from '../components';
import { loadConfig } from '../config/load';
import type { LoadedConfig } from '../config/types';
import { UsageError, type CommandContext, type ParsedArgs } from './command';

/** --config, else $AI_AUDIT_CONFIG, else ./otel-config.yaml (README.md, "The collector"). */
export function loadCommandConfig(args: ParsedArgs, context: CommandContext): LoadedConfig {
  const explicit = (args.options.config as string | undefined) ?? context.env.AI_AUDIT_CONFIG;
  if (explicit) return loadConfig(explicit, components, context.env);
  if (existsSync('otel-config.yaml')) return loadConfig('otel-config.yaml', components, context.env);
  throw new UsageError('no configuration: pass --config <file> or set AI_AUDIT_CONFIG');
}
