import { InvalidInputError } from '../model/errors';

/** A configuration problem, always reported as `<key path>: <reason>` on one line. */
export class ConfigError extends InvalidInputError {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(path ? `${path}: ${reason}` : reason);
  }
}

/** Dotted key path as users read it: `receivers.otlp.protocols.grpc.endpoint`, `tokens[2]`. */
export function joinPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return parent ? `${parent}.${key}` : key;
}
