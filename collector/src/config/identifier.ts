/**
 * The syntax of identifiers in the config (the "identifier" format: tenant ids, database
 * names): letters, digits and _, not starting with a digit. A tenant named by a client
 * certificate or on the command line is held to the same rule, since it becomes a path
 * segment, a metric label and a SQL value later.
 */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function isIdentifier(value: string): boolean {
  return IDENTIFIER.test(value);
}
