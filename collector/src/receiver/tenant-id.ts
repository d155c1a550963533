/**
 * The syntax of a tenant id: the config's "identifier" format, which `auth.tokens[].tenant`
 * and `anonymous_tenant` are validated against. A tenant named by a client certificate
 * is held to the same rule, since it is a path segment, a label and a SQL value later.
 */
const TENANT_ID = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function isTenantId(value: string): boolean {
  return TENANT_ID.test(value);
}
