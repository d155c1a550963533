import { escapeHtml as esc, formatCompact, formatInt, formatUsd, truncate } from './format';

/**
 * Charts as inline SVG, computed here (no chart library, no script): scales, ticks, bars,
 * lines, axes and labels are plain elements, so the file opens anywhere and prints as
 * vectors. Every mark carries `data-value` (and `data-series` / `data-category`), the
 * figure it draws, and a `<title>` for hovering; the styles are the page's CSS classes.
 */

export type Unit = 'usd' | 'count';

export interface Series {
  name: string;
  values: number[];
  color: string;
}

/** Distinguishable on screen and on a grey-scale print; the last one is for "other". */
export const PALETTE = ['#2f6fd6', '#e08a1e', '#2a9d74', '#8a5cd1', '#d2485b', '#1aa3b8', '#b8870d', '#64748b'];
export const OTHER_COLOR = '#a3acb9';

const FONT_PX = 11;
/** Average advance of a character at FONT_PX in a sans-serif face, to lay labels out. */
const CHAR_PX = 6.2;

function fmt(value: number, unit: Unit): string {
  return unit === 'usd' ? formatUsd(value) : formatInt(value);
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

/** A round axis maximum and step for values up to `max`: 1, 2, 2.5 or 5 times a power of ten. */
export function niceScale(max: number, unit: Unit, ticks = 5): { max: number; step: number } {
  if (!(max > 0)) return unit === 'count' ? { max: 5, step: 1 } : { max: 0.01, step: 0.002 };
  const rough = max / ticks;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const norm = rough / magnitude;
  let step = (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 2.5 ? 2.5 : norm <= 5 ? 5 : 10) * magnitude;
  if (unit === 'count') step = Math.max(1, Math.ceil(step));
  const top = Math.ceil(max / step - 1e-9) * step;
  return { max: Number(top.toPrecision(12)), step: Number(step.toPrecision(12)) };
}

interface Frame {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

function open(id: string, label: string, width: number, height: number): string {
  return `<svg class="chart" id="${esc(id)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${esc(label)}" preserveAspectRatio="xMinYMin meet">`;
}

/** Legend on one or more rows, above the plot; returns the markup and the height used. */
function legend(series: { name: string; color: string }[], x: number, width: number): { svg: string; height: number } {
  if (series.length <= 1) return { svg: '', height: 0 };
  let cx = x;
  let row = 0;
  const items: string[] = [];
  for (const s of series) {
    const label = truncate(s.name, 32);
    const w = 16 + label.length * CHAR_PX + 18;
    if (cx + w > x + width && cx > x) {
      cx = x;
      row += 1;
    }
    const y = 4 + row * 18;
    items.push(
      `<g class="legend-item" data-series="${esc(s.name)}"><rect x="${round(cx)}" y="${y}" width="11" height="11" rx="2" fill="${s.color}"/>` +
        `<text class="legend" x="${round(cx + 16)}" y="${y + 9.5}">${esc(label)}<title>${esc(s.name)}</title></text></g>`,
    );
    cx += w;
  }
  return { svg: `<g class="legend-row">${items.join('')}</g>`, height: (row + 1) * 18 + 8 };
}

function yAxis(
  frame: Frame,
  scale: { max: number; step: number },
  unit: Unit,
): { svg: string; y: (v: number) => number } {
  const plotH = frame.height - frame.top - frame.bottom;
  const y = (v: number): number => frame.top + plotH - (v / scale.max) * plotH;
  const parts: string[] = [];
  const steps = Math.round(scale.max / scale.step);
  for (let i = 0; i <= steps; i++) {
    const value = Number((i * scale.step).toPrecision(12));
    const py = round(y(value));
    parts.push(
      `<line class="${i === 0 ? 'axis' : 'grid'}" x1="${frame.left}" x2="${frame.width - frame.right}" y1="${py}" y2="${py}"/>`,
    );
    parts.push(
      `<text class="tick y-tick" x="${frame.left - 6}" y="${round(py + FONT_PX / 3)}" text-anchor="end">${esc(formatCompact(value, unit))}</text>`,
    );
  }
  return { svg: parts.join(''), y };
}

/** Category labels under the x axis, thinned out so that they never overlap. */
function xLabels(frame: Frame, categories: string[], center: (i: number) => number): string {
  const band = (frame.width - frame.left - frame.right) / Math.max(1, categories.length);
  const longest = Math.max(1, ...categories.map((c) => Math.min(c.length, 12)));
  const every = Math.max(1, Math.ceil(((longest + 1) * CHAR_PX) / band));
  const y = frame.height - frame.bottom + FONT_PX + 6;
  return categories
    .map((c, i) =>
      i % every === 0
        ? `<text class="tick x-tick" x="${round(center(i))}" y="${y}" text-anchor="middle">${esc(truncate(c, 12))}</text>`
        : '',
    )
    .join('');
}

export interface BarChartSpec {
  id: string;
  label: string;
  categories: string[];
  series: Series[];
  unit: Unit;
  width?: number;
  height?: number;
}

/** A chart's frame: the legend above, the plot of `spec.height` (else `plotHeight`), room for the axes. */
function chartFrame(
  spec: BarChartSpec,
  plotHeight: number,
): { width: number; key: { svg: string; height: number }; frame: Frame } {
  const width = spec.width ?? 760;
  const key = legend(spec.series, 56, width - 70);
  const frame: Frame = {
    width,
    height: (spec.height ?? plotHeight) + key.height + 30,
    left: 56,
    right: 14,
    top: key.height + 16,
    bottom: 30,
  };
  return { width, key, frame };
}

/** Vertical bars, one per category, stacked by series, with the total above each bar when there is room. */
export function stackedBarChart(spec: BarChartSpec): string {
  const { width, key, frame } = chartFrame(spec, 220);
  const n = spec.categories.length;
  // Rounded to 12 digits: sums of decimal amounts carry binary noise (0.015 + 0.018).
  const totals = spec.categories.map((_, i) =>
    Number(spec.series.reduce((sum, s) => sum + (s.values[i] ?? 0), 0).toPrecision(12)),
  );
  const scale = niceScale(Math.max(0, ...totals), spec.unit);
  const axis = yAxis(frame, scale, spec.unit);
  const plotW = frame.width - frame.left - frame.right;
  const band = plotW / Math.max(1, n);
  const barW = Math.max(1, Math.min(48, band * 0.72));
  const center = (i: number): number => frame.left + band * i + band / 2;
  const marks: string[] = [];
  const showTotals = band >= 34;
  spec.categories.forEach((category, i) => {
    let acc = 0;
    for (const s of spec.series) {
      const value = s.values[i] ?? 0;
      if (value <= 0) continue;
      const y0 = axis.y(acc);
      const y1 = axis.y(acc + value);
      acc += value;
      marks.push(
        `<rect class="bar" x="${round(center(i) - barW / 2)}" y="${round(y1)}" width="${round(barW)}" height="${round(y0 - y1)}" fill="${s.color}" ` +
          `data-series="${esc(s.name)}" data-category="${esc(category)}" data-value="${value}"><title>${esc(`${category} · ${s.name}: ${fmt(value, spec.unit)}`)}</title></rect>`,
      );
    }
    if (showTotals && totals[i] > 0) {
      marks.push(
        `<text class="bar-total" x="${round(center(i))}" y="${round(axis.y(totals[i]) - 4)}" text-anchor="middle" data-category="${esc(category)}" data-value="${totals[i]}">${esc(formatCompact(totals[i], spec.unit))}</text>`,
      );
    }
  });
  const empty = totals.every((t) => t === 0) ? noData(frame) : '';
  return `${open(spec.id, spec.label, width, frame.height)}${key.svg}${axis.svg}${marks.join('')}${xLabels(frame, spec.categories, center)}${empty}</svg>`;
}

/** Lines over categories, one per series, with a point per value when they are few enough to see. */
export function lineChart(spec: BarChartSpec): string {
  const { width, key, frame } = chartFrame(spec, 200);
  const n = spec.categories.length;
  const scale = niceScale(Math.max(0, ...spec.series.flatMap((s) => s.values)), spec.unit);
  const axis = yAxis(frame, scale, spec.unit);
  const plotW = frame.width - frame.left - frame.right;
  const band = plotW / Math.max(1, n);
  const center = (i: number): number => frame.left + band * i + band / 2;
  const marks: string[] = [];
  for (const s of spec.series) {
    const points = s.values.map((v, i) => `${round(center(i))},${round(axis.y(v))}`);
    marks.push(
      `<polyline class="line" points="${points.join(' ')}" stroke="${s.color}" data-series="${esc(s.name)}"/>`,
    );
    if (n <= 62) {
      s.values.forEach((v, i) => {
        marks.push(
          `<circle class="point" cx="${round(center(i))}" cy="${round(axis.y(v))}" r="${n <= 31 ? 3 : 2}" fill="${s.color}" data-series="${esc(s.name)}" ` +
            `data-category="${esc(spec.categories[i])}" data-value="${v}"><title>${esc(`${spec.categories[i]} · ${s.name}: ${fmt(v, spec.unit)}`)}</title></circle>`,
        );
      });
    }
  }
  const empty = spec.series.every((s) => s.values.every((v) => v === 0)) ? noData(frame) : '';
  return `${open(spec.id, spec.label, width, frame.height)}${key.svg}${axis.svg}${marks.join('')}${xLabels(frame, spec.categories, center)}${empty}</svg>`;
}

export interface HBarItem {
  label: string;
  value: number;
  color?: string;
  /** Shown after the value, e.g. "12 calls". */
  note?: string;
}

/** Horizontal bars, one row per item (top users, models, violation kinds), the value at the end of each bar. */
export function horizontalBarChart(spec: {
  id: string;
  label: string;
  items: HBarItem[];
  unit: Unit;
  width?: number;
  color?: string;
}): string {
  const width = spec.width ?? 760;
  const row = 24;
  const labelChars = Math.min(34, Math.max(6, ...spec.items.map((item) => item.label.length)));
  const left = Math.round(labelChars * CHAR_PX + 16);
  const valueChars = Math.max(
    4,
    ...spec.items.map((item) => (fmt(item.value, spec.unit) + (item.note ? `  ${item.note}` : '')).length),
  );
  const right = Math.round(valueChars * CHAR_PX + 14);
  const height = Math.max(1, spec.items.length) * row + 8;
  const max = Math.max(0, ...spec.items.map((item) => item.value));
  const plotW = width - left - right;
  const marks = spec.items.map((item, i) => {
    const y = 4 + i * row;
    const w = max > 0 ? (item.value / max) * plotW : 0;
    const value = `${fmt(item.value, spec.unit)}${item.note ? `  ·  ${item.note}` : ''}`;
    return (
      `<g class="hbar-row" data-label="${esc(item.label)}">` +
      `<text class="tick hbar-label" x="${left - 8}" y="${y + 15}" text-anchor="end">${esc(truncate(item.label, 34))}<title>${esc(item.label)}</title></text>` +
      `<rect class="track" x="${left}" y="${y + 3}" width="${round(plotW)}" height="${row - 8}" rx="3"/>` +
      `<rect class="bar" x="${left}" y="${y + 3}" width="${round(Math.max(w, item.value > 0 ? 1.5 : 0))}" height="${row - 8}" rx="3" fill="${item.color ?? spec.color ?? PALETTE[0]}" ` +
      `data-label="${esc(item.label)}" data-value="${item.value}"><title>${esc(`${item.label}: ${fmt(item.value, spec.unit)}`)}</title></rect>` +
      `<text class="hbar-value" x="${round(left + plotW + 8)}" y="${y + 15}" data-value="${item.value}">${esc(value)}</text></g>`
    );
  });
  const frame: Frame = { width, height, left, right, top: 0, bottom: 0 };
  const empty = spec.items.length === 0 ? noData(frame) : '';
  return `${open(spec.id, spec.label, width, Math.max(height, spec.items.length === 0 ? 40 : 0))}${marks.join('')}${empty}</svg>`;
}

function noData(frame: Frame): string {
  const y = frame.top + Math.max(16, (frame.height - frame.top - frame.bottom) / 2);
  return `<text class="no-data" x="${frame.width / 2}" y="${round(y)}" text-anchor="middle">No data in this period</text>`;
}
