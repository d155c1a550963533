import type { NamedQuery } from '../../collector/src/query/catalog';

/** Every dashboard as [file name, JSON text], from the catalog's queries. */
export function buildDashboards(catalog: NamedQuery[]): Array<[string, string]>;
/** The named query's statement with its parameters mapped to the plugin's macros and variables. */
export function grafanaSql(query: NamedQuery, values?: Record<string, string | number>): string;
export const CLICKHOUSE: { type: string; uid: string };
export const PROMETHEUS: { type: string; uid: string };
export const DASHBOARDS: Array<{ file: string; uid: string; title: string }>;
