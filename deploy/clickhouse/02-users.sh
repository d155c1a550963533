#!/bin/bash
# ai-audit users on a ClickHouse server, after 01-access.sql (roles, profiles, policies).
# The clickhouse-server image runs this at first start from /docker-entrypoint-initdb.d;
# elsewhere run it with CLICKHOUSE_HOST/CLICKHOUSE_USER/CLICKHOUSE_PASSWORD of an
# administrator. Passwords come from the environment:
#   AI_AUDIT_CLICKHOUSE_PASSWORD          ai_audit_writer, the collector
#   AI_AUDIT_GRAFANA_CLICKHOUSE_PASSWORD  grafana_reader, Grafana's datasource
#   AI_AUDIT_READER_TENANTS               tenants to create a reader role for (space-separated)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
client=(clickhouse client --multiquery --host "${CLICKHOUSE_HOST:-127.0.0.1}" --user "${CLICKHOUSE_USER:-default}" --password "${CLICKHOUSE_PASSWORD:-}")

# A SQL string literal: backslashes and quotes escaped.
quote() { local s=${1//\\/\\\\}; printf "'%s'" "${s//\'/\\\'}"; }

: "${AI_AUDIT_CLICKHOUSE_PASSWORD:?the collector's password}"
: "${AI_AUDIT_GRAFANA_CLICKHOUSE_PASSWORD:?Grafana's password}"

"${client[@]}" <<SQL
CREATE USER IF NOT EXISTS ai_audit_writer IDENTIFIED WITH sha256_password BY $(quote "$AI_AUDIT_CLICKHOUSE_PASSWORD") SETTINGS PROFILE ai_audit_writer;
GRANT ai_audit_write, ai_audit_all_tenants TO ai_audit_writer;
CREATE USER IF NOT EXISTS grafana_reader IDENTIFIED WITH sha256_password BY $(quote "$AI_AUDIT_GRAFANA_CLICKHOUSE_PASSWORD") SETTINGS PROFILE ai_audit_readonly;
GRANT ai_audit_read, ai_audit_read_ops, ai_audit_all_tenants TO grafana_reader;
SQL

for tenant in ${AI_AUDIT_READER_TENANTS:-}; do
  if [[ ! $tenant =~ ^[A-Za-z0-9_]+$ ]]; then echo "02-users.sh: invalid tenant id: $tenant" >&2; exit 1; fi
  sed "s/\${TENANT}/$tenant/g" "$here/tenant.sql.tmpl" | "${client[@]}"
done
