import { ConfigError, joinPath } from './errors';

/**
 * `${env:NAME}` and `${env:NAME:-default}` substitution, as the OpenTelemetry Collector
 * does it, so one file serves laptop, compose and Kubernetes. `$$` is a literal `$`.
 *
 * Substitution runs on the parsed YAML tree, string values only, so an environment
 * value can never inject YAML structure. Results stay strings; the schema validator
 * coerces them where a number or boolean is expected (`port: ${env:PORT}`), so a
 * token such as "0123" is never turned into a number behind the user's back.
 * A variable that is unset and has no default is an error, not an empty string:
 * silently empty endpoints or tokens are worse than a refusal to start.
 */
const REFERENCE = /\$\$|\$\{env:([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\$\{([^}]*)\}/g;

export type Environment = Readonly<Record<string, string | undefined>>;

export function substituteEnv(tree: unknown, env: Environment, path = ''): unknown {
  if (typeof tree === 'string') return substituteString(tree, env, path);
  if (Array.isArray(tree)) return tree.map((item, i) => substituteEnv(item, env, joinPath(path, i)));
  if (tree !== null && typeof tree === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(tree)) out[key] = substituteEnv(value, env, joinPath(path, key));
    return out;
  }
  return tree;
}

function substituteString(text: string, env: Environment, path: string): string {
  if (!text.includes('$')) return text;
  return text.replace(REFERENCE, (whole, name?: string, fallback?: string, other?: string) => {
    if (whole === '$$') return '$';
    if (other !== undefined) {
      throw new ConfigError(path, `unsupported reference "\${${other}}" (use \${env:NAME} or \${env:NAME:-default})`);
    }
    const value = env[name as string];
    if (value !== undefined && value !== '') return value;
    if (fallback !== undefined) return fallback;
    throw new ConfigError(path, `environment variable ${name} is not set (give a default with \${env:${name}:-value})`);
  });
}
