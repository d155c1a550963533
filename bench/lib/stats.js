'use strict';
/**
 * Summary statistics shared by every scenario: medians, percentiles and spreads of a list of
 * samples, and the formatting used in BENCHMARKS.md. Percentiles interpolate linearly between
 * the two nearest ranks (the "R-7" definition that spreadsheets and numpy use by default).
 */

/** The q-quantile (0 <= q <= 1) of `values`; NaN for an empty list. */
function quantile(values, q) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (sorted.length - 1) * q;
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low] + (sorted[high] - sorted[low]) * (rank - low);
}

const median = (values) => quantile(values, 0.5);

/**
 * Everything a figure in the report needs: the sample count, the median, the full range and
 * the interquartile range. `values` are the per-run results (one number per run).
 */
function summarize(values) {
  return {
    runs: values.length,
    median: median(values),
    min: Math.min(...values),
    max: Math.max(...values),
    p25: quantile(values, 0.25),
    p75: quantile(values, 0.75),
    values,
  };
}

/** A number with about three significant digits and thousands separators (12,300 · 45.6 · 0.123); integers as they are. */
function fmt(value) {
  if (value === null || value === undefined || Number.isNaN(value)) return 'n/a';
  const abs = Math.abs(value);
  const digits = Number.isInteger(value) || abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** "min–max" of a summary. */
function range(summary) {
  return `${fmt(summary.min)}–${fmt(summary.max)}`;
}

/** Bytes as KiB/MiB/GiB. */
function fmtBytes(bytes) {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${fmt(value)} ${units[unit]}`;
}

module.exports = { quantile, median, summarize, fmt, range, fmtBytes };
