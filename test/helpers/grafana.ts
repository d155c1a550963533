/**
 * What Grafana and the ClickHouse plugin (grafana-clickhouse-datasource 4.20) do to a panel's
 * SQL before ClickHouse sees it, in their order:
 *
 * 1. the plugin's frontend `applyConditionalAll`: `$__conditionalAll(cond, $var)` becomes
 *    `1=1` when the variable's current value is '' or `$__all`, else `cond`;
 * 2. Grafana's template service: `$var`, `${var}`, `${var:format}`, `[[var]]`; the "All"
 *    value becomes the variable's custom all value as written (no format applied), or every
 *    option; `singlequote` quotes each value, escaping `'` as `\'`; without a format the
 *    plugin's own formatter joins arrays as `'a','b'` and leaves single values raw;
 * 3. the backend macros (pkg/macros/macros.go): `$__fromTime` `toDateTime(<s>)`,
 *    `$__fromTime_ms` `fromUnixTimestamp64Milli(<ms>)`, likewise `$__toTime(_ms)`,
 *    `$__timeFilter(c)` `c >= toDateTime(<from s>) AND c <= toDateTime(<to s>)`,
 *    `$__timeFilter_ms(c)`, `$__dateFilter(c)`, `$__timeInterval(c)`
 *    `toStartOfInterval(toDateTime(c), INTERVAL <s> second)`, `$__timeInterval_ms(c)`,
 *    `$__interval_s` (the interval in whole seconds, at least 1).
 */

export interface TemplateVariable {
  name: string;
  includeAll?: boolean;
  allValue?: string | null;
  /** The option values the variable offers (for "All" without a custom all value). */
  options?: string[];
}

export interface GrafanaRequest {
  from: Date;
  to: Date;
  /** The panel's interval in milliseconds. */
  intervalMs: number;
  variables: TemplateVariable[];
  /** Current values by variable name; `$__all` for All. */
  values: Record<string, string | string[]>;
}

const VARIABLE = /\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\${(\w+)(?:\.([^:^}]+))?(?::([^}]+))?}/g;

/** The plugin's argument split: top-level commas inside the macro's parentheses. */
function macroArgs(text: string, open: number): { args: string[]; end: number } | undefined {
  let depth = 0;
  let start = open + 1;
  const args: string[] = [];
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') {
      depth--;
      if (depth === 0) {
        args.push(text.slice(start, i));
        return { args, end: i + 1 };
      }
    } else if (c === ',' && depth === 1) {
      args.push(text.slice(start, i));
      start = i + 1;
    }
  }
  return undefined;
}

export function applyConditionalAll(sql: string, request: GrafanaRequest): string {
  const macro = '$__conditionalAll(';
  let index = sql.lastIndexOf(macro);
  while (index !== -1) {
    const parsed = macroArgs(sql, index + macro.length - 1);
    if (!parsed || parsed.args.length !== 2) return sql;
    const name = /(?<=\$\{)\w+(?=\})|(?<=\$)\w+/.exec(parsed.args[1].trim())?.[0];
    const value = name === undefined ? undefined : String(request.values[name] ?? '');
    const phrase = value === '' || value === '$__all' ? '1=1' : parsed.args[0];
    sql = sql.slice(0, index) + phrase + sql.slice(parsed.end);
    index = sql.lastIndexOf(macro);
  }
  return sql;
}

function format(value: string | string[], fmt: string | undefined): string {
  if (fmt === 'singlequote')
    return (Array.isArray(value) ? value : [value]).map((v) => `'${v.replace(/'/g, "\\'")}'`).join(',');
  if (fmt === 'doublequote')
    return (Array.isArray(value) ? value : [value]).map((v) => `"${v.replace(/"/g, '\\"')}"`).join(',');
  if (fmt === 'raw' || fmt === 'text') return Array.isArray(value) ? value.join(',') : value;
  if (fmt !== undefined) throw new Error(`format ${fmt} is not emulated`);
  // The plugin's formatter.
  return Array.isArray(value) ? `'${value.join("','")}'` : value;
}

export function interpolateVariables(sql: string, request: GrafanaRequest): string {
  return sql.replace(
    VARIABLE,
    (match, a?: string, b?: string, bFmt?: string, c?: string, _path?: string, cFmt?: string) => {
      const name = a ?? b ?? c;
      const variable = request.variables.find((v) => v.name === name);
      if (!variable) return match;
      const fmt = bFmt ?? cFmt;
      let value = request.values[variable.name] ?? '';
      if (value === '$__all' || (Array.isArray(value) && value.includes('$__all'))) {
        if (variable.allValue && fmt !== 'text' && fmt !== 'percentencode') return variable.allValue;
        value = variable.options ?? [];
      }
      return format(value, fmt);
    },
  );
}

export function expandMacros(sql: string, request: GrafanaRequest): string {
  const fromS = Math.floor(request.from.getTime() / 1000);
  const toS = Math.floor(request.to.getTime() / 1000);
  const seconds = Math.floor(Math.max(request.intervalMs / 1000, 1));
  const ms = Math.floor(Math.max(request.intervalMs, 1));
  const date = (d: Date) => `toDate('${d.toISOString().slice(0, 10)}')`;
  const simple: Record<string, string> = {
    fromTime: `toDateTime(${fromS})`,
    toTime: `toDateTime(${toS})`,
    fromTime_ms: `fromUnixTimestamp64Milli(${request.from.getTime()})`,
    toTime_ms: `fromUnixTimestamp64Milli(${request.to.getTime()})`,
    interval_s: String(seconds),
  };
  const functions: Record<string, (c: string) => string> = {
    timeFilter: (c) => `${c} >= toDateTime(${fromS}) AND ${c} <= toDateTime(${toS})`,
    timeFilter_ms: (c) => `${c} >= ${simple.fromTime_ms} AND ${c} <= ${simple.toTime_ms}`,
    dateFilter: (c) => `${c} >= ${date(request.from)} AND ${c} <= ${date(request.to)}`,
    timeInterval: (c) => `toStartOfInterval(toDateTime(${c}), INTERVAL ${seconds} second)`,
    timeInterval_ms: (c) => `toStartOfInterval(toDateTime64(${c}, 3), INTERVAL ${ms} millisecond)`,
  };
  let out = '';
  let i = 0;
  const macro = /\$__(\w+)/g;
  for (let m = macro.exec(sql); m; m = macro.exec(sql)) {
    const name = m[1];
    if (Object.hasOwn(functions, name) && sql[macro.lastIndex] === '(') {
      const parsed = macroArgs(sql, macro.lastIndex);
      if (!parsed || parsed.args.length !== 1) throw new Error(`$__${name} takes one argument`);
      out += sql.slice(i, m.index) + functions[name](parsed.args[0].trim());
      i = parsed.end;
      macro.lastIndex = parsed.end;
    } else if (Object.hasOwn(simple, name)) {
      out += sql.slice(i, m.index) + simple[name];
      i = macro.lastIndex;
    } else {
      throw new Error(`macro $__${name} is not emulated`);
    }
  }
  return out + sql.slice(i);
}

/** A panel's or variable's SQL as ClickHouse receives it from Grafana. */
export function expandGrafanaSql(sql: string, request: GrafanaRequest): string {
  return expandMacros(interpolateVariables(applyConditionalAll(sql, request), request), request);
}
