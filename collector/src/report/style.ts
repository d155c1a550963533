/**
 * The report's stylesheet, inlined in the page. System fonts only (nothing to load); sizes
 * fit an A4 page in print, where colours are kept (print-color-adjust) and sections are
 * not split across pages.
 */
export const STYLE = `
:root {
  --ink: #1b2330; --muted: #5c6778; --line: #e3e7ee; --soft: #f5f7fa; --accent: #2f6fd6;
  --font: "Inter", "Segoe UI", system-ui, -apple-system, "Helvetica Neue", Arial, "Liberation Sans", "DejaVu Sans", sans-serif;
  --mono: ui-monospace, "SFMono-Regular", Menlo, Consolas, "Liberation Mono", "DejaVu Sans Mono", monospace;
}
* { box-sizing: border-box; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
html { background: #eef1f5; }
body { margin: 0; padding: 24px 12px; font: 13px/1.45 var(--font); color: var(--ink); }
.page { max-width: 860px; margin: 0 auto; background: #fff; padding: 36px 44px 28px; border-radius: 6px; box-shadow: 0 1px 3px rgba(16, 24, 40, .08), 0 8px 24px rgba(16, 24, 40, .06); }
.report-head { border-bottom: 3px solid var(--ink); padding-bottom: 16px; margin-bottom: 20px; }
.eyebrow { text-transform: uppercase; letter-spacing: .08em; font-size: 11px; font-weight: 600; color: var(--accent); }
h1 { font-size: 26px; line-height: 1.2; margin: 4px 0 2px; letter-spacing: -.01em; }
.range { font-size: 15px; margin: 0 0 12px; font-weight: 500; }
.meta { display: grid; grid-template-columns: repeat(4, auto); gap: 4px 24px; margin: 0; justify-content: start; }
.meta div { min-width: 0; }
.meta dt { font-size: 10.5px; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); font-weight: 600; }
.meta dd { margin: 0; overflow-wrap: anywhere; }
.muted { color: var(--muted); font-weight: 400; }
.kpis { display: grid; grid-template-columns: repeat(4, 1fr); gap: 10px; margin: 0 0 8px; }
.kpi { border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; background: var(--soft); min-width: 0; }
.kpi-label { font-size: 10.5px; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); font-weight: 600; }
.kpi-value { font-size: 21px; font-weight: 650; font-variant-numeric: tabular-nums; margin-top: 2px; overflow-wrap: anywhere; }
.kpi-note { font-size: 11px; color: var(--muted); min-height: 1em; }
section { margin-top: 26px; }
h2 { font-size: 16px; margin: 0 0 8px; padding-bottom: 5px; border-bottom: 1px solid var(--line); }
h2 .muted { font-size: 13px; margin-left: 4px; }
.lede { color: var(--muted); margin: 0 0 10px; font-size: 12px; }
figure { margin: 6px 0 14px; }
figcaption { font-size: 12px; font-weight: 600; color: var(--muted); margin-bottom: 4px; }
svg.chart { display: block; width: 100%; height: auto; overflow: visible; }
svg.chart text { font-family: var(--font); font-size: 11px; fill: var(--muted); }
svg.chart .legend { fill: var(--ink); }
svg.chart .grid { stroke: var(--line); stroke-width: 1; }
svg.chart .axis { stroke: #9aa4b2; stroke-width: 1; }
svg.chart .bar-total { fill: var(--ink); font-weight: 600; font-size: 10.5px; }
svg.chart .line { fill: none; stroke-width: 2; stroke-linejoin: round; stroke-linecap: round; }
svg.chart .point { stroke: #fff; stroke-width: 1.2; }
svg.chart .track { fill: var(--soft); }
svg.chart .hbar-label { fill: var(--ink); }
svg.chart .hbar-value { fill: var(--ink); font-variant-numeric: tabular-nums; }
svg.chart .no-data { font-size: 12px; font-style: italic; }
table.data { width: 100%; border-collapse: collapse; font-size: 12px; font-variant-numeric: tabular-nums; }
table.data th { text-align: left; font-size: 10.5px; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); font-weight: 600; border-bottom: 1.5px solid #c9d0da; padding: 5px 8px; }
table.data td { border-bottom: 1px solid var(--line); padding: 5px 8px; vertical-align: top; }
table.data tbody tr:nth-child(even) td { background: #fafbfc; }
table.data .num { text-align: right; white-space: nowrap; }
table.data .id { overflow-wrap: anywhere; }
.nowrap { white-space: nowrap; }
.mono, code { font-family: var(--mono); font-size: 11px; }
code { background: var(--soft); padding: 0 3px; border-radius: 3px; }
.swatch { display: inline-block; width: 9px; height: 9px; border-radius: 2px; margin-right: 6px; vertical-align: baseline; }
.empty { color: var(--muted); font-style: italic; margin: 4px 0; }
.report-foot { margin-top: 30px; padding-top: 10px; border-top: 1px solid var(--line); color: var(--muted); font-size: 11px; }
@media (max-width: 700px) { .kpis { grid-template-columns: repeat(2, 1fr); } .meta { grid-template-columns: repeat(2, auto); } .page { padding: 20px; } }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  html, body { background: #fff; padding: 0; }
  .page { max-width: none; padding: 0; box-shadow: none; border-radius: 0; }
  figure, .kpis, tr, .report-head { break-inside: avoid; page-break-inside: avoid; }
  h2, .lede, figcaption { break-after: avoid; page-break-after: avoid; }
  table.data thead { display: table-header-group; }
  .kpi { background: #fff; }
}
`;
