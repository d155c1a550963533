/**
 * Durations and byte sizes as people write them in config files ("30d", "1h30m",
 * "500ms", "16MiB"), parsed once at load time so components only ever see numbers.
 */

const DURATION_UNITS_MS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** The shortest written form of a duration in milliseconds, for messages ("30d", "1h30m"). */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let left = ms;
  let out = '';
  for (const unit of ['d', 'h', 'm', 's', 'ms'] as const) {
    const size = DURATION_UNITS_MS[unit];
    const count = Math.floor(left / size);
    if (count > 0) out += `${count}${unit}`;
    left -= count * size;
  }
  return out;
}

const DURATION_PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/y;

/** Milliseconds for "90d", "1h30m", "250ms"; null when the text is not a duration. */
export function parseDuration(text: string): number | null {
  if (text.length === 0 || text.length > 64) return null;
  let total = 0;
  DURATION_PART.lastIndex = 0;
  while (DURATION_PART.lastIndex < text.length) {
    const start = DURATION_PART.lastIndex;
    const match = DURATION_PART.exec(text);
    if (!match || match.index !== start) return null;
    total += Number(match[1]) * DURATION_UNITS_MS[match[2]];
  }
  return Number.isFinite(total) ? total : null;
}

const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
};

const SIZE = /^(\d+(?:\.\d+)?)\s*([kmg]i?b|b)?$/i;

/** Bytes for 1048576, "16MiB", "512 KB"; null when the value is not a size. */
export function parseSize(value: string | number): number | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : null;
  const match = SIZE.exec(value.trim());
  if (!match) return null;
  const bytes = Math.floor(Number(match[1]) * SIZE_UNITS[(match[2] ?? 'b').toLowerCase()]);
  return Number.isSafeInteger(bytes) ? bytes : null;
}

/** Human form of a byte count for messages ("16 MiB"). */
export function formatSize(bytes: number): string {
  for (const [unit, factor] of [
    ['GiB', 1024 ** 3],
    ['MiB', 1024 ** 2],
    ['KiB', 1024],
  ] as const) {
    if (bytes >= factor && bytes % factor === 0) return `${bytes / factor} ${unit}`;
  }
  return `${bytes} B`;
}
