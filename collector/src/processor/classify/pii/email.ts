/**
 * pii:email — `local@domain.tld` with the common (not full RFC 5322) local-part alphabet.
 *
 * Anchored on '@': the local part is read backwards (at most 64 characters, the RFC limit)
 * and the domain forwards (at most 253). Neither scan can cross another '@', so the scans of
 * consecutive '@'s never overlap and `a@a@a@...` stays linear.
 *
 * Deliberately not caught: quoted local parts ("john doe"@x.com), IP-literal domains
 * (user@[10.0.0.1]), internationalised (non-ASCII) addresses, obfuscations ("john at x dot
 * com", "%40"). Not reported: the user:password@host part of URLs (that is a credential,
 * see secrets/connection-string), `name@2x.png`-style file names, `pkg@1.2.3` versions.
 */
import type { Detector, Emit } from '../types';
import { escapeAtRunStart, isAlnum, isAlpha, runEnd, runStart } from '../scan';

const MAX_LOCAL = 64;
const MAX_DOMAIN = 253;

const isLocalChar = (c: number): boolean =>
  isAlnum(c) || c === 46 /* . */ || c === 95 /* _ */ || c === 37 /* % */ || c === 43 /* + */ || c === 45; /* - */
const isDomainChar = (c: number): boolean => isAlnum(c) || c === 46 || c === 45;

/**
 * Last labels that are file extensions rather than top-level domains; "icon@2x.png" and
 * "logo@dark.svg" are asset names. Real TLDs that double as extensions (.md, .py, .sh, .rs)
 * are kept: an address there is possible.
 */
const FILE_EXTENSIONS = new Set([
  'png',
  'jpg',
  'jpeg',
  'gif',
  'svg',
  'webp',
  'ico',
  'bmp',
  'tif',
  'tiff',
  'avif',
  'heic',
  'js',
  'mjs',
  'cjs',
  'ts',
  'tsx',
  'jsx',
  'css',
  'scss',
  'less',
  'json',
  'yaml',
  'yml',
  'toml',
  'lock',
  'txt',
  'map',
  'html',
  'htm',
  'xml',
  'pdf',
  'wasm',
  'php',
  'java',
  'rb',
  'vue',
  'svelte',
]);

export const email: Detector = {
  kind: 'pii:email',
  scan(text: string, emit: Emit): void {
    let at = text.indexOf('@');
    while (at !== -1) {
      const resume = scanAt(text, at, emit);
      at = text.indexOf('@', Math.max(resume, at + 1));
    }
  },
};

/** Reads the candidate around the '@' at `at`; returns where the '@' search resumes. */
function scanAt(text: string, at: number, emit: Emit): number {
  let start = runStart(text, at, isLocalChar, at - MAX_LOCAL - 1);
  if (at - start > MAX_LOCAL) return at + 1;
  start += escapeAtRunStart(text, start); // "\njohn@x.com" inside JSON-in-JSON
  while (start < at && text.charCodeAt(start) === 46) start++; // leading dots are punctuation
  if (start === at || text.charCodeAt(at - 1) === 46) return at + 1;
  for (let i = start + 1; i < at; i++) {
    if (text.charCodeAt(i) === 46 && text.charCodeAt(i - 1) === 46) return at + 1;
  }

  let end = runEnd(text, at + 1, isDomainChar, at + 1 + MAX_DOMAIN + 1);
  if (end - (at + 1) > MAX_DOMAIN) return end;
  // Trailing dots/hyphens are sentence punctuation ("mail me at a@b.com.").
  while (end > at + 1 && (text.charCodeAt(end - 1) === 46 || text.charCodeAt(end - 1) === 45)) end--;
  if (!validDomain(text, at + 1, end)) return at + 1;
  if (isUrlUserinfo(text, start)) return end;

  emit(start, end);
  return end;
}

/** At least two labels of 1..63 [A-Za-z0-9-] not starting/ending with '-'; an alphabetic TLD. */
function validDomain(text: string, from: number, to: number): boolean {
  let labels = 0;
  let labelStart = from;
  for (let i = from; i <= to; i++) {
    if (i < to && text.charCodeAt(i) !== 46) continue;
    const len = i - labelStart;
    if (len < 1 || len > 63) return false;
    if (text.charCodeAt(labelStart) === 45 || text.charCodeAt(i - 1) === 45) return false;
    labels++;
    if (i === to) {
      // The TLD: letters only ("com", "museum"), or an IDN "xn--" label.
      const tld = text.slice(labelStart, to).toLowerCase();
      if (tld.startsWith('xn--')) return labels >= 2 && len >= 5;
      if (len < 2) return false;
      for (let k = labelStart; k < to; k++) if (!isAlpha(text.charCodeAt(k))) return false;
      if (FILE_EXTENSIONS.has(tld)) return false;
    }
    labelStart = i + 1;
  }
  return labels >= 2;
}

/**
 * "scheme://user:secret@host" — the part before '@' is URL userinfo, not a mailbox. Looks
 * back (bounded) from the local part for "://" within the same whitespace-free token.
 * "mailto:john@x.com" has no "//" and stays an email.
 */
function isUrlUserinfo(text: string, localStart: number): boolean {
  const p = text.charCodeAt(localStart - 1);
  if (p !== 58 /* : */ && p !== 47 /* / */) return false;
  const limit = Math.max(0, localStart - 256);
  for (let i = localStart - 1; i >= limit + 2; i--) {
    const c = text.charCodeAt(i);
    if (c <= 32 || c === 34 || c === 39 || c === 60 || c === 62) return false; // space, quotes, <>
    if (c === 47 && text.charCodeAt(i - 1) === 47 && text.charCodeAt(i - 2) === 58) return true;
  }
  return false;
}
