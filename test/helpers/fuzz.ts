/**
 * Deterministic fuzzing of OTLP trace export bodies, for test/e2e/fuzz.test.ts.
 *
 * - `Rng`: a seeded PRNG. Every fuzz case draws from its own generator seeded with
 *   (run seed, case index), so any single input can be regenerated from its index alone,
 *   without replaying the cases before it.
 * - A protobuf wire model of ExportTraceServiceRequest (which length-delimited fields are
 *   OTLP messages, where every tag, length and payload sits) so mutations can aim at the
 *   places a decoder trusts: tags, length prefixes, varints, nesting.
 * - JSON mutations on the parsed tree (type swaps, wrong field types, duplicate keys, deep
 *   nesting, huge numbers) and on the text (truncation at token boundaries, invalid UTF-8).
 * - Gzip and deflate bombs, built by repetition instead of compressing gigabytes.
 */
import { constants, deflateRawSync, gzipSync } from 'node:zlib';

// ---------------------------------------------------------------------------------------
// PRNG

/** mulberry32: tiny, fast, and good enough to pick mutations. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  u32(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.u32() / 2 ** 32;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  /** Uniform integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  /** One of `entries`, each chosen with probability proportional to its weight. */
  weighted<T>(entries: readonly (readonly [T, number])[]): T {
    let total = 0;
    for (const [, w] of entries) total += w;
    let x = this.float() * total;
    for (const [item, w] of entries) if ((x -= w) < 0) return item;
    return entries[entries.length - 1][0];
  }

  /** Log-uniform integer in [lo, hi]: mostly small, sometimes huge. */
  logInt(lo: number, hi: number): number {
    return Math.min(hi, Math.floor(lo * (hi / lo) ** this.float()));
  }

  bytes(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) out[i] = this.u32() & 0xff;
    return out;
  }
}

/** The generator of case `index` in the run seeded with `seed` (a splitmix32-style mix). */
export function caseRng(seed: number, index: number): Rng {
  let h = (seed ^ Math.imul(index + 1, 0x9e3779b9)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return new Rng((h ^ (h >>> 16)) >>> 0);
}

// ---------------------------------------------------------------------------------------
// Protobuf wire model

export const enum Wire {
  Varint = 0,
  I64 = 1,
  Len = 2,
  StartGroup = 3,
  EndGroup = 4,
  I32 = 5,
}

/**
 * The length-delimited fields of each OTLP message that hold messages (field number ->
 * message name), from opentelemetry-proto. Every other length-delimited field is a string,
 * bytes or packed payload and stays raw.
 */
const MESSAGE_FIELDS: Record<string, Record<number, string>> = {
  ExportTraceServiceRequest: { 1: 'ResourceSpans' },
  ResourceSpans: { 1: 'Resource', 2: 'ScopeSpans' },
  Resource: { 1: 'KeyValue' },
  ScopeSpans: { 1: 'InstrumentationScope', 2: 'Span' },
  InstrumentationScope: { 3: 'KeyValue' },
  Span: { 9: 'KeyValue', 11: 'Event', 13: 'Link', 15: 'Status' },
  Event: { 3: 'KeyValue' },
  Link: { 4: 'KeyValue' },
  Status: {},
  KeyValue: { 2: 'AnyValue' },
  AnyValue: { 5: 'ArrayValue', 6: 'KeyValueList' },
  ArrayValue: { 1: 'AnyValue' },
  KeyValueList: { 1: 'KeyValue' },
};

/** Length-delimited fields that carry UTF-8 text (message -> field numbers). */
const STRING_FIELDS: Record<string, number[]> = {
  InstrumentationScope: [1, 2],
  Span: [3, 5],
  Event: [2],
  Link: [3],
  Status: [2],
  KeyValue: [1],
  AnyValue: [1],
};

/** One field of a protobuf message as it sits on the wire. */
export interface PbField {
  no: number;
  wire: number;
  /** Varint bytes, fixed bytes, or the payload of a length-delimited field that is not a known message. */
  raw: Uint8Array;
  /** The fields of a length-delimited field the OTLP schema declares as a message. */
  children?: PbField[];
  /** The OTLP message type of `children`, e.g. 'Span'. */
  type?: string;
  /** Redundant continuation bytes in the tag / length varints: an overlong, still valid encoding. */
  padTag?: number;
  padLen?: number;
}

/** Where each field landed in an encoding, for mutations that need byte offsets. */
export interface FieldLayout {
  tagAt: number;
  /** Start of the length prefix (Len fields) or of the value (others). */
  lenAt: number;
  valueAt: number;
  end: number;
  wire: number;
  /** The message type of a Len field's payload, if it is one. */
  type?: string;
}

const EMPTY = new Uint8Array(0);

/** Base-128 varint of an unsigned 64-bit value (negatives as two's complement), padded with `pad` redundant bytes. */
export function varint(value: number | bigint, pad = 0): Buffer {
  const out: number[] = [];
  if (typeof value === 'number' && value >= 0 && Number.isSafeInteger(value)) {
    while (value >= 0x80) {
      out.push((value % 0x80) | 0x80);
      value = Math.floor(value / 0x80);
    }
    out.push(value);
  } else {
    let v = BigInt.asUintN(64, BigInt(value));
    while (v >= 0x80n) {
      out.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    out.push(Number(v));
  }
  if (pad > 0) {
    // 5 -> 85 80 ... 00: same value, more bytes (protobuf readers accept up to 10).
    out[out.length - 1] |= 0x80;
    for (let i = 1; i < pad; i++) out.push(0x80);
    out.push(0);
  }
  return Buffer.from(out);
}

function varintLength(n: number): number {
  let len = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 0x80);
    len++;
  }
  return len;
}

/** Parses a valid protobuf message (a seed) into the wire model, recursing into OTLP messages. */
export function parsePb(bytes: Uint8Array, type = 'ExportTraceServiceRequest'): PbField[] {
  const fields: PbField[] = [];
  let pos = 0;
  const readVarint = (): number => {
    let value = 0;
    let scale = 1;
    for (;;) {
      const b = bytes[pos++];
      if (b === undefined) throw new Error('seed: truncated varint');
      value += (b & 0x7f) * scale;
      scale *= 128;
      if (b < 0x80) return value;
    }
  };
  while (pos < bytes.length) {
    const tag = readVarint();
    const no = Math.floor(tag / 8);
    const wire = tag & 7;
    const start = pos;
    if (wire === Wire.Varint) {
      readVarint();
      fields.push({ no, wire, raw: bytes.subarray(start, pos) });
    } else if (wire === Wire.I64 || wire === Wire.I32) {
      pos += wire === Wire.I64 ? 8 : 4;
      fields.push({ no, wire, raw: bytes.subarray(start, pos) });
    } else if (wire === Wire.Len) {
      const len = readVarint();
      const payload = bytes.subarray(pos, pos + len);
      pos += len;
      const child = MESSAGE_FIELDS[type]?.[no];
      fields.push(
        child ? { no, wire, raw: EMPTY, children: parsePb(payload, child), type: child } : { no, wire, raw: payload },
      );
    } else {
      throw new Error(`seed: unexpected wire type ${wire}`);
    }
  }
  return fields;
}

/** A copy whose fields and child lists may be changed without touching the original. */
export function clonePb(fields: readonly PbField[]): PbField[] {
  return fields.map((f) => (f.children ? { ...f, children: clonePb(f.children) } : { ...f }));
}

/** Encodes the wire model and records where every field went. */
export function encodePb(fields: readonly PbField[]): { bytes: Buffer; layout: FieldLayout[] } {
  // Sizes first (memoized by identity: repeated fields share one object), then one write pass.
  const payloadSizes = new Map<PbField, number>();
  const payloadSize = (f: PbField): number => {
    if (!f.children) return f.raw.length;
    let size = payloadSizes.get(f);
    if (size === undefined) {
      size = 0;
      for (const c of f.children) size += fieldSize(c);
      payloadSizes.set(f, size);
    }
    return size;
  };
  const fieldSize = (f: PbField): number => {
    const tag = varintLength(f.no * 8 + f.wire) + (f.padTag ?? 0);
    if (f.wire !== Wire.Len) return tag + f.raw.length;
    const payload = payloadSize(f);
    return tag + varintLength(payload) + (f.padLen ?? 0) + payload;
  };
  let total = 0;
  for (const f of fields) total += fieldSize(f);
  const out = Buffer.allocUnsafe(total);
  const layout: FieldLayout[] = [];
  let pos = 0;
  // Varints below 2^53 written in place: this runs for every field of every case.
  const writeVarint = (value: number, pad = 0): void => {
    while (value >= 0x80) {
      out[pos++] = (value % 0x80) | 0x80;
      value = Math.floor(value / 0x80);
    }
    if (pad > 0) {
      out[pos++] = value | 0x80;
      for (let i = 1; i < pad; i++) out[pos++] = 0x80;
      out[pos++] = 0;
    } else {
      out[pos++] = value;
    }
  };
  const write = (list: readonly PbField[]): void => {
    for (const f of list) {
      const tagAt = pos;
      writeVarint(f.no * 8 + f.wire, f.padTag);
      const lenAt = pos;
      if (f.wire === Wire.Len) writeVarint(payloadSize(f), f.padLen);
      const valueAt = pos;
      const entry: FieldLayout = { tagAt, lenAt, valueAt, end: 0, wire: f.wire, type: f.type };
      layout.push(entry);
      if (f.children) write(f.children);
      else {
        out.set(f.raw, pos);
        pos += f.raw.length;
      }
      entry.end = pos;
    }
  };
  write(fields);
  return { bytes: out, layout };
}

interface PbSite {
  list: PbField[];
  index: number;
  field: PbField;
  /** The message type the field belongs to. */
  parent: string;
}

/** A random element, or undefined when there is none (earlier mutations may have removed them all). */
function pickSome<T>(rng: Rng, items: readonly T[]): T | undefined {
  return items.length === 0 ? undefined : rng.pick(items);
}

/** Every field of the tree with its place, depth-first. */
function sites(fields: PbField[], parent = 'ExportTraceServiceRequest', out: PbSite[] = []): PbSite[] {
  fields.forEach((field, index) => {
    out.push({ list: fields, index, field, parent });
    if (field.children && field.type) sites(field.children, field.type, out);
  });
  return out;
}

/** All message-typed fields of the tree (Len fields with children). */
function messageSites(fields: PbField[]): PbSite[] {
  return sites(fields).filter((s) => s.field.children);
}

/** list.splice(at, remove, ...count copies of item), without spreading a huge argument list. */
function replaceWithCopies(list: PbField[], at: number, remove: number, item: PbField, count: number): void {
  const tail = list.splice(at).slice(remove);
  for (let i = 0; i < count; i++) list.push(item);
  for (const f of tail) list.push(f);
}

const lenField = (no: number, payload: Uint8Array): PbField => ({ no, wire: Wire.Len, raw: payload });
const msgField = (no: number, type: string, children: PbField[]): PbField => ({
  no,
  wire: Wire.Len,
  raw: EMPTY,
  type,
  children,
});

/**
 * The payload of an AnyValue nested `depth` arrays/kvlists deep (alternating at random),
 * around a string leaf. Protobuf nesting puts every level's tag and length before the inner
 * value, so the lengths are computed inside out and the prefixes written outside in, into
 * one buffer: a million levels cost no more than their bytes.
 */
export function nestedAnyValuePb(rng: Rng, depth: number, leaf: string): Buffer {
  const text = Buffer.from(leaf);
  const leafSize = 1 + varintLength(text.length) + text.length;
  const kvlist = new Uint8Array(depth);
  // inner[i]: size of the AnyValue payload inside level i (level 0 is the outermost).
  const inner = new Float64Array(depth + 1);
  inner[depth] = leafSize;
  for (let level = depth - 1; level >= 0; level--) {
    kvlist[level] = rng.chance(0.5) ? 1 : 0;
    inner[level] = inner[level + 1] + prefixSize(kvlist[level] === 1, inner[level + 1]);
  }
  const out = Buffer.allocUnsafe(inner[0]);
  let pos = 0;
  const put = (...bytes: number[]): void => {
    for (const b of bytes) out[pos++] = b;
  };
  const putVarint = (n: number): void => {
    while (n >= 0x80) {
      out[pos++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    out[pos++] = n;
  };
  for (let level = 0; level < depth; level++) {
    const size = inner[level + 1];
    if (kvlist[level]) {
      // AnyValue{ kvlist_value(6): KeyValueList{ values(1): KeyValue{ key(1): "k", value(2): <inner> } } }
      const kv = 4 + varintLength(size) + size;
      put(0x32);
      putVarint(1 + varintLength(kv) + kv);
      put(0x0a);
      putVarint(kv);
      put(0x0a, 0x01, 0x6b, 0x12);
      putVarint(size);
    } else {
      // AnyValue{ array_value(5): ArrayValue{ values(1): <inner AnyValue> } }
      put(0x2a);
      putVarint(1 + varintLength(size) + size);
      put(0x0a);
      putVarint(size);
    }
  }
  put(0x0a);
  putVarint(text.length);
  text.copy(out, pos);
  return out;
}

/** Bytes an array (or kvlist) level adds in front of an inner AnyValue payload of `inner` bytes. */
function prefixSize(kvlist: boolean, inner: number): number {
  if (!kvlist) {
    const array = 1 + varintLength(inner) + inner;
    return 1 + varintLength(array) + 1 + varintLength(inner);
  }
  const kv = 4 + varintLength(inner) + inner;
  const list = 1 + varintLength(kv) + kv;
  return 1 + varintLength(list) + 1 + varintLength(kv) + 4 + varintLength(inner);
}

/** Invalid UTF-8: a lone continuation byte, 0xff, an overlong '/', a UTF-8 surrogate, past U+10FFFF, a cut sequence. */
const BAD_UTF8 = [
  [0x80],
  [0xff],
  [0xc0, 0xaf],
  [0xed, 0xa0, 0x80],
  [0xf4, 0x90, 0x80, 0x80],
  [0xe2, 0x82],
  [0xf0, 0x9f, 0x98],
].map((b) => Buffer.from(b));

/** Varints that stress a reader: 64 bits set, one byte too many, more than 64 bits, unterminated. */
const HOSTILE_VARINTS = [
  Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]),
  Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]),
  Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f]),
  Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]),
  Buffer.from([0x80, 0x80, 0x80, 0x80, 0x10]),
  Buffer.alloc(16, 0x80),
];

/** Scalar values at the edges: zero, int32/uint32/int53/int64 limits, -1 (a 10-byte varint). */
const EDGE_INTEGERS: readonly (number | bigint)[] = [
  0,
  1,
  0x7f,
  0x80,
  2 ** 31 - 1,
  2 ** 31,
  2 ** 32 - 1,
  2 ** 32,
  2 ** 53 + 1,
  (1n << 63n) - 1n,
  1n << 63n,
  (1n << 64n) - 1n,
  -1,
  -(2 ** 31),
];

function fixed64(value: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt.asUintN(64, value));
  return b;
}

function double(value: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(value);
  return b;
}

const EDGE_FIXED64 = [
  fixed64(0n),
  fixed64(1n),
  fixed64((1n << 64n) - 1n),
  fixed64(1n << 63n),
  double(NaN),
  double(-0),
  double(Infinity),
  double(-Infinity),
  double(5e-324),
  double(Number.MAX_VALUE),
];

/** Context the mutators need besides the randomness: the decode limits and what to plant. */
export interface FuzzContext {
  /** receivers.otlp.limits.max_value_depth in effect. */
  maxDepth: number;
  /** receivers.otlp.limits.max_spans_per_request in effect. */
  maxSpans: number;
  /** Upper bound for the size a "giant repeated field" mutation grows a body to. */
  maxRepeatBytes: number;
  /** Content that must never come back in an error. */
  canary: string;
}

/** A tree (structure-aware) mutation: changes `tree` in place; the encoding keeps lengths consistent. */
type TreeMutator = (rng: Rng, tree: PbField[], ctx: FuzzContext) => void;

const pbTreeMutators: Record<string, TreeMutator> = {
  /** Remove a field: missing ids, keys, values, whole spans. */
  'drop-field': (rng, tree) => {
    const s = pickSome(rng, sites(tree));
    s?.list.splice(s.index, 1);
  },
  /** The same field twice: two trace ids, two resources, two values for one key. */
  'duplicate-field': (rng, tree) => {
    const s = pickSome(rng, sites(tree));
    s?.list.splice(s.index, 0, clonePb([s.field])[0]);
  },
  /**
   * Giant repeated fields within the size limit: one span, event, attribute, array element
   * or envelope repeated (or an empty one, which costs far more to decode than its 2 bytes).
   */
  'repeat-field': (rng, tree, ctx) => {
    const s = pickSome(
      rng,
      sites(tree).filter(
        (c) =>
          c.field.children &&
          ['Span', 'Event', 'KeyValue', 'AnyValue', 'ResourceSpans', 'ScopeSpans'].includes(c.field.type as string),
      ),
    );
    if (!s) return;
    const unit = rng.chance(0.4) ? { ...s.field, children: [] } : s.field;
    const unitSize = encodePb([unit]).bytes.length;
    const target = rng.logInt(4 * 1024, ctx.maxRepeatBytes);
    const count = Math.max(2, Math.floor(target / unitSize));
    // Shared references: the encoder sizes a shared field once.
    replaceWithCopies(s.list, s.index, 1, unit, count);
  },
  /** More spans than max_spans_per_request, each as small as a span can be. */
  'too-many-spans': (rng, tree, ctx) => {
    const scope = messageSites(tree).find((s) => s.field.type === 'ScopeSpans');
    if (!scope?.field.children) return;
    const span = msgField(2, 'Span', [lenField(5, Buffer.from('s'))]);
    const children = scope.field.children;
    replaceWithCopies(children, children.length, 0, span, ctx.maxSpans + rng.range(-1, 2));
  },
  /** AnyValue nesting just under, at and past max_value_depth, and far past it. */
  'depth-bomb': (rng, tree, ctx) => {
    const kv = pickSome(
      rng,
      messageSites(tree).filter((s) => s.field.type === 'KeyValue'),
    );
    if (!kv) return;
    const depth = rng.pick([
      ctx.maxDepth - 1,
      ctx.maxDepth,
      ctx.maxDepth + 1,
      64,
      1000,
      rng.logInt(1000, Math.floor(ctx.maxRepeatBytes / 12)),
    ]);
    const children = (kv.field.children as PbField[]).filter((f) => f.no !== 2);
    children.push(lenField(2, nestedAnyValuePb(rng, depth, ctx.canary)));
    kv.field.children = children;
  },
  /** A known field sent with another wire type (well framed): decoders must skip it, not misread it. */
  'wrong-wire-type': (rng, tree) => {
    const s = pickSome(rng, sites(tree));
    if (!s) return;
    const wire = rng.pick([Wire.Varint, Wire.I64, Wire.Len, Wire.I32].filter((w) => w !== s.field.wire));
    const raw =
      wire === Wire.Varint
        ? varint(rng.pick(EDGE_INTEGERS))
        : wire === Wire.I64
          ? rng.bytes(8)
          : wire === Wire.I32
            ? rng.bytes(4)
            : rng.bytes(rng.int(40));
    s.list[s.index] = { no: s.field.no, wire, raw };
  },
  /** Non-minimal varints for tags and lengths: valid protobuf that naive readers reject. */
  'overlong-varint': (rng, tree) => {
    for (const s of sites(tree)) {
      if (!rng.chance(0.2)) continue;
      const padded = { ...s.field };
      if (rng.chance(0.5)) padded.padTag = rng.range(1, 4);
      if (padded.wire === Wire.Len) padded.padLen = rng.range(1, 5);
      s.list[s.index] = padded;
    }
  },
  /** Edge values for integers, timestamps and doubles (kind -1, status 2^32, NaN, max fixed64). */
  'edge-scalar': (rng, tree) => {
    const s = pickSome(
      rng,
      sites(tree).filter((c) => c.field.wire === Wire.Varint || c.field.wire === Wire.I64),
    );
    if (!s) return;
    const raw = s.field.wire === Wire.Varint ? varint(rng.pick(EDGE_INTEGERS)) : rng.pick(EDGE_FIXED64);
    s.list[s.index] = { ...s.field, raw };
  },
  /** A payload swapped for random bytes of another length: 3-byte trace ids, garbage "messages". */
  'random-payload': (rng, tree) => {
    const s = pickSome(
      rng,
      sites(tree).filter((c) => c.field.wire === Wire.Len),
    );
    if (!s) return;
    s.list[s.index] = lenField(s.field.no, rng.bytes(rng.logInt(1, 256) - 1));
  },
  /** Invalid UTF-8 inside names, keys and string values (around the canary). */
  'invalid-utf8': (rng, tree, ctx) => {
    const s = pickSome(
      rng,
      sites(tree).filter(
        (c) => c.field.wire === Wire.Len && !c.field.children && STRING_FIELDS[c.parent]?.includes(c.field.no),
      ),
    );
    if (!s) return;
    const parts = [Buffer.from(s.field.raw)];
    for (let i = rng.range(1, 4); i > 0; i--)
      parts.splice(rng.int(parts.length + 1), 0, rng.pick(BAD_UTF8), Buffer.from(ctx.canary));
    s.list[s.index] = lenField(s.field.no, Buffer.concat(parts));
  },
  /** Fields the schema does not have, at any level, of every wire type and field numbers up to 2^29-1. */
  'unknown-field': (rng, tree) => {
    const s = pickSome(rng, messageSites(tree));
    if (!s) return;
    const no = rng.pick([17, 100, 1000, 2 ** 29 - 1, rng.range(16, 2 ** 29 - 1)]);
    const wire = rng.pick([Wire.Varint, Wire.I64, Wire.Len, Wire.I32, Wire.StartGroup, Wire.EndGroup, 6, 7]);
    const raw =
      wire === Wire.Varint
        ? varint(rng.pick(EDGE_INTEGERS))
        : wire === Wire.I64
          ? rng.bytes(8)
          : wire === Wire.I32
            ? rng.bytes(4)
            : wire === Wire.Len
              ? rng.bytes(rng.int(64))
              : EMPTY;
    const children = s.field.children as PbField[];
    children.splice(rng.int(children.length + 1), 0, { no, wire, raw });
  },
  /** A message of one type where another is expected (a Span as an attribute, a KeyValue as a span). */
  'type-confusion': (rng, tree) => {
    const all = messageSites(tree);
    if (all.length === 0) return;
    const from = rng.pick(all);
    const to = rng.pick(all);
    const children = to.field.children as PbField[];
    const moved = clonePb([from.field])[0];
    // Under its own field number or one the target type uses for something else.
    moved.no = rng.pick([moved.no, 1, 2, 9, 11]);
    children.splice(rng.int(children.length + 1), 0, moved);
  },
  /** A long string value (up to the repeat budget), with the canary in it. */
  'long-string': (rng, tree, ctx) => {
    const s = pickSome(
      rng,
      sites(tree).filter((c) => c.parent === 'AnyValue' && c.field.no === 1 && c.field.wire === Wire.Len),
    );
    if (!s) return;
    const text = `${ctx.canary} ${'lorem ipsum '.repeat(Math.ceil(rng.logInt(1024, ctx.maxRepeatBytes) / 12))}`;
    s.list[s.index] = lenField(1, Buffer.from(text));
  },
};

/** A byte-level mutation of an encoding: framing is no longer trusted. */
type ByteMutator = (rng: Rng, bytes: Buffer, layout: FieldLayout[]) => Buffer;

/** Where a truncation can cut a field, by kind of boundary. */
const TRUNCATION_POINTS: Record<string, (f: FieldLayout, rng: Rng) => number | undefined> = {
  'before-tag': (f) => f.tagAt,
  'inside-tag': (f) => (f.lenAt - f.tagAt > 1 ? f.tagAt + 1 : undefined),
  'before-length': (f) => (f.wire === Wire.Len ? f.lenAt : undefined),
  'inside-length': (f) => (f.valueAt - f.lenAt > 1 ? f.lenAt + 1 : undefined),
  'payload-start': (f) => f.valueAt,
  'inside-payload': (f, rng) => (f.end - f.valueAt > 1 ? f.valueAt + 1 + rng.int(f.end - f.valueAt - 1) : undefined),
  'last-payload-byte': (f) => (f.end > f.valueAt ? f.end - 1 : undefined),
  'inside-nested-message': (f, rng) =>
    f.type && f.end > f.valueAt ? f.valueAt + rng.int(f.end - f.valueAt) : undefined,
};

function pickLayout(rng: Rng, layout: FieldLayout[], ok: (f: FieldLayout) => boolean): FieldLayout | undefined {
  // A few random draws are enough; fields are plentiful in every seed.
  for (let i = 0; i < 16; i++) {
    const f = rng.pick(layout);
    if (ok(f)) return f;
  }
  return layout.find(ok);
}

const splice = (bytes: Buffer, at: number, remove: number, insert: Uint8Array = EMPTY): Buffer =>
  Buffer.concat([bytes.subarray(0, at), insert, bytes.subarray(Math.min(bytes.length, at + remove))]);

const INTERESTING_BYTES = [0x00, 0x01, 0x02, 0x07, 0x08, 0x0a, 0x12, 0x7f, 0x80, 0xff];

const pbByteMutators: Record<string, ByteMutator> = {
  'bit-flip': (rng, bytes) => {
    const out = Buffer.from(bytes);
    for (let i = rng.range(1, 8); i > 0; i--) out[rng.int(out.length)] ^= 1 << rng.int(8);
    return out;
  },
  'set-bytes': (rng, bytes) => {
    const out = Buffer.from(bytes);
    for (let i = rng.range(1, 4); i > 0; i--)
      out[rng.int(out.length)] = rng.chance(0.7) ? rng.pick(INTERESTING_BYTES) : rng.int(256);
    return out;
  },
  'insert-bytes': (rng, bytes, layout) => {
    const at = rng.chance(0.5) ? rng.pick(layout).tagAt : rng.int(bytes.length + 1);
    return splice(bytes, at, 0, rng.bytes(rng.range(1, 16)));
  },
  'delete-bytes': (rng, bytes, layout) => {
    const at = rng.chance(0.5) ? rng.pick(layout).tagAt : rng.int(bytes.length);
    return splice(bytes, at, rng.range(1, 16));
  },
  /** Truncation at every kind of boundary: before/inside a tag, a length, a payload, a nested message. */
  truncate: (rng, bytes, layout) => {
    const kind = rng.pick(Object.keys(TRUNCATION_POINTS));
    const f = pickLayout(rng, layout, (l) => TRUNCATION_POINTS[kind](l, rng) !== undefined);
    return bytes.subarray(0, f ? TRUNCATION_POINTS[kind](f, rng) : rng.int(bytes.length));
  },
  /** A length prefix rewritten: off by one, zero, past the end, 2^31, 2^32 (high bits set), 2^64-1. */
  'corrupt-length': (rng, bytes, layout) => {
    const f = pickLayout(rng, layout, (l) => l.wire === Wire.Len);
    if (!f) return bytes;
    const len = f.end - f.valueAt;
    const rest = bytes.length - f.valueAt;
    const value = rng.pick<number | bigint>([
      len + 1,
      len - 1,
      len + rng.range(2, 100),
      0,
      rest,
      rest + 1,
      2 ** 31 - 1,
      2 ** 31,
      2 ** 32 - 1,
      2 ** 32,
      2 ** 35,
      (1n << 64n) - 1n,
    ]);
    return splice(bytes, f.lenAt, f.valueAt - f.lenAt, varint(value < 0 ? 0 : value));
  },
  /** A tag, length or varint value replaced by a varint no reader should accept (or only just). */
  'hostile-varint': (rng, bytes, layout) => {
    const f = rng.pick(layout);
    const where = rng.pick(['tag', 'length-or-value'] as const);
    const at = where === 'tag' ? f.tagAt : f.lenAt;
    const width =
      where === 'tag'
        ? f.lenAt - f.tagAt
        : f.wire === Wire.Len
          ? f.valueAt - f.lenAt
          : f.wire === Wire.Varint
            ? f.end - f.lenAt
            : 0;
    return splice(bytes, at, width, rng.pick(HOSTILE_VARINTS));
  },
  /** A tag's wire type changed in place (0-7, groups and invalid ones included): framing breaks. */
  'flip-wire-type': (rng, bytes, layout) => {
    const f = rng.pick(layout);
    const out = Buffer.from(bytes);
    out[f.tagAt] = (out[f.tagAt] & ~7) | rng.int(8);
    return out;
  },
  /** A field's bytes copied to another field boundary (at another nesting level). */
  'splice-field': (rng, bytes, layout) => {
    const from = rng.pick(layout);
    const to = rng.pick(layout);
    return splice(bytes, rng.chance(0.5) ? to.tagAt : to.end, 0, bytes.subarray(from.tagAt, from.end));
  },
};

/** Relative weights of the tree mutations that build big bodies (the others weigh 10). */
const COSTLY_TREE_MUTATIONS: Record<string, number> = {
  'repeat-field': 0.6,
  'too-many-spans': 0.3,
  'long-string': 0.6,
  'depth-bomb': 2,
};

export interface PbSeed {
  name: string;
  tree: PbField[];
  bytes: Buffer;
  layout: FieldLayout[];
}

export function pbSeed(name: string, bytes: Uint8Array): PbSeed {
  const tree = parsePb(bytes);
  const encoded = encodePb(tree);
  if (!encoded.bytes.equals(Buffer.from(bytes)))
    throw new Error(`seed ${name} does not round-trip through the wire model`);
  return { name, tree, bytes: encoded.bytes, layout: encoded.layout };
}

export interface Mutated {
  body: Buffer;
  /** Names of the mutations applied, in order ('seed' when none). */
  mutations: string[];
}

/**
 * A mutated protobuf body: 0-2 structure-aware mutations (framing stays consistent, so the
 * decoder goes deep), then 0-2 byte-level ones (framing breaks). About 2% of cases are the
 * seed itself, as a control that must be accepted.
 */
export function mutateProtobuf(rng: Rng, seeds: readonly PbSeed[], ctx: FuzzContext): Mutated {
  const seed = rng.pick(seeds);
  const mutations: string[] = [];
  if (rng.chance(0.02)) return { body: seed.bytes, mutations: ['seed'] };
  let bytes = seed.bytes;
  let layout = seed.layout;
  const structural = rng.weighted([
    [0, 50],
    [1, 42],
    [2, 8],
  ]);
  if (structural > 0) {
    const tree = clonePb(seed.tree);
    const names = Object.keys(pbTreeMutators);
    for (let i = 0; i < structural; i++) {
      // The costly ones (repeats, bombs) are rarer, so the storm stays fast.
      const name = rng.weighted(names.map((n) => [n, COSTLY_TREE_MUTATIONS[n] ?? 10] as const));
      pbTreeMutators[name](rng, tree, ctx);
      mutations.push(name);
    }
    ({ bytes, layout } = encodePb(tree));
  }
  // Every field was dropped: treat the whole body as one field.
  if (layout.length === 0) layout = [{ tagAt: 0, lenAt: 0, valueAt: 0, end: bytes.length, wire: Wire.Len }];
  // Mostly followed by a byte-level mutation: accepted bodies run the whole pipeline, which
  // costs ten times a refusal, and the storm has to stay around a minute.
  const byteLevel =
    structural === 0
      ? rng.range(1, 2)
      : rng.weighted([
          [0, 35],
          [1, 50],
          [2, 15],
        ]);
  const byteNames = Object.keys(pbByteMutators);
  for (let i = 0; i < byteLevel && bytes.length > 0; i++) {
    const name = rng.pick(byteNames);
    // Offsets are only exact for the first byte-level mutation; later ones hit whatever is there.
    bytes = pbByteMutators[name](rng, bytes, layout);
    mutations.push(name);
  }
  return { body: bytes, mutations };
}

// ---------------------------------------------------------------------------------------
// JSON

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

interface JsonSite {
  holder: Json[] | { [key: string]: Json };
  key: string | number;
  value: Json;
}

function jsonSites(value: Json, out: JsonSite[] = []): JsonSite[] {
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      out.push({ holder: value, key: i, value: v });
      jsonSites(v, out);
    });
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      out.push({ holder: value, key: k, value: v });
      jsonSites(v, out);
    }
  }
  return out;
}

function setSite(site: JsonSite, value: Json): void {
  (site.holder as Record<string | number, Json>)[site.key] = value;
}

/**
 * Text that JSON.stringify cannot produce (1e400, duplicate keys, deep nesting built as
 * text) goes into the tree as a placeholder string and replaces it after stringifying.
 */
class RawText {
  private readonly texts: string[] = [];

  placeholder(text: string): string {
    this.texts.push(text);
    return `\u0001raw${this.texts.length - 1}\u0001`;
  }

  render(value: Json): string {
    let text = JSON.stringify(value);
    // Raw text may itself hold placeholders (a duplicate key around a huge number).
    for (let round = 0; round < 4 && text.includes('\\u0001raw'); round++) {
      text = text.replace(/"\\u0001raw(\d+)\\u0001"/g, (_, i: string) => this.texts[Number(i)]);
    }
    return text;
  }
}

/** Values of every JSON type, to put where another type is expected. */
const JSON_PALETTE: readonly Json[] = [
  null,
  true,
  false,
  0,
  -1,
  1.5,
  '',
  'x',
  [],
  [1],
  {},
  { a: 1 },
  [[[]]],
  { stringValue: 1 },
  '0',
];

/** Wrong values for the OTLP fields that have a precise type. */
const WRONG_FIELD_VALUES: Record<string, readonly Json[]> = {
  traceId: [12, 'zz', 'abc', '', 'a'.repeat(34), '0'.repeat(32), 'AAECAwQFBgcICQoLDA0ODw==', [], null],
  spanId: [12, 'xyz', 'a'.repeat(18), '0'.repeat(16), {}, null],
  parentSpanId: [1, 'q', 'a'.repeat(15)],
  kind: ['SPAN_KIND_SERVER', 'SPAN_KIND_BOGUS', 1.5, -1, 2 ** 31, 2 ** 53, '2', true, []],
  code: ['STATUS_CODE_ERROR', 'STATUS_CODE_NOPE', 99, -5, 1.1, '1'],
  startTimeUnixNano: [-1, '1.5', '18446744073709551616', '-1', 1e20, '', 'now', true, 1.5, '0x10'],
  endTimeUnixNano: [0, '99999999999999999999', [], {}],
  timeUnixNano: ['a', -3, 2 ** 64],
  intValue: ['abc', '9223372036854775808', '-9223372036854775809', 1.5, 2 ** 63, '1e3', true, '', ' 1'],
  doubleValue: ['1e999', 'nan', 'NaN', '-Infinity', '', true, '0x1p3', '1.5.2'],
  boolValue: ['true', 1, 0, 'false', null],
  bytesValue: ['!!', 'AAE', '====', 12, 'AAEC-_', '\u00ff'],
  stringValue: [12, true, [], { a: 'b' }],
  attributes: ['x', {}, 1, [1, 2], [null], [{ key: 1 }], [{ key: 'k', value: 'v' }]],
  spans: [{}, 'x', [null], [1], [[]]],
  events: [{}, 'x', [null]],
  scopeSpans: [{}, 'x', [null]],
  resourceSpans: [{}, 'x', [null], 1],
  values: [{}, 'x', [1], [null]],
  key: [1, null, {}, ''],
  name: [1, {}, []],
};

/** Number texts at the edges: overflow to Infinity, underflow, past 2^53 and 2^64, negative zero. */
const HUGE_NUMBERS = [
  '1e400',
  '-1e400',
  '1e-400',
  '-0',
  '123456789012345678901234567890',
  '9007199254740993',
  '18446744073709551616',
  '-9223372036854775809',
  '0.0000000000000000000000001',
  '1E+308',
  '4.9e-324',
];

/** JSON escapes that are valid JSON but odd text: lone surrogates, NUL, BOM, RTL override. */
const ODD_ESCAPES = ['\\ud800', '\\udc00\\ud800', '\\u0000', '\\ufeff', '\\u202e', '\\ud83d\\ude00', '\\uffff'];

function deepJson(rng: Rng, depth: number, leaf: string): string {
  const shape = rng.pick(['array', 'object', 'otlp-array', 'otlp-kvlist'] as const);
  const [open, close] = {
    array: ['[', ']'],
    object: ['{"a":', '}'],
    'otlp-array': ['{"arrayValue":{"values":[', ']}}'],
    'otlp-kvlist': ['{"kvlistValue":{"values":[{"key":"k","value":', '}]}}'],
  }[shape];
  return open.repeat(depth) + leaf + close.repeat(depth);
}

type JsonTreeMutator = (rng: Rng, root: Json, raw: RawText, ctx: FuzzContext) => void;

const jsonTreeMutators: Record<string, JsonTreeMutator> = {
  /** Any value replaced by one of another JSON type. */
  'type-swap': (rng, root) => {
    const site = pickSome(rng, jsonSites(root));
    if (!site) return;
    setSite(
      site,
      rng.pick(
        JSON_PALETTE.filter((v) => typeof v !== typeof site.value || Array.isArray(v) !== Array.isArray(site.value)),
      ),
    );
  },
  /** An OTLP field given a value of the wrong type or format (hex ids, enums, 64-bit integers). */
  'wrong-field-type': (rng, root) => {
    const site = pickSome(
      rng,
      jsonSites(root).filter((s) => typeof s.key === 'string' && WRONG_FIELD_VALUES[s.key]),
    );
    if (!site) return;
    setSite(site, rng.pick(WRONG_FIELD_VALUES[site.key as string]));
  },
  /** Numbers that overflow, underflow or pass 2^53/2^64, where numbers and numeric strings are expected. */
  'huge-number': (rng, root, raw) => {
    const site = pickSome(
      rng,
      jsonSites(root).filter(
        (s) => typeof s.value === 'number' || (typeof s.value === 'string' && /^-?\d+$/.test(s.value)),
      ),
    );
    if (!site) return;
    const text = rng.pick(HUGE_NUMBERS);
    setSite(site, raw.placeholder(rng.chance(0.7) ? text : JSON.stringify(text)));
  },
  /** Nesting just under, at and past max_value_depth, and far past it (plain arrays and objects too). */
  'deep-nesting': (rng, root, raw, ctx) => {
    const depth = rng.pick([
      ctx.maxDepth - 1,
      ctx.maxDepth,
      ctx.maxDepth + 1,
      100,
      1000,
      rng.logInt(1000, Math.floor(ctx.maxRepeatBytes / 30)),
    ]);
    const values = jsonSites(root).filter((s) => s.key === 'value');
    const site = values.length > 0 && rng.chance(0.8) ? rng.pick(values) : pickSome(rng, jsonSites(root));
    if (!site) return;
    setSite(site, raw.placeholder(deepJson(rng, depth, JSON.stringify({ stringValue: ctx.canary }))));
  },
  /** An object with a key twice (JSON.parse keeps the last): the second value valid or not. */
  'duplicate-key': (rng, root, raw) => {
    const site = pickSome(
      rng,
      jsonSites(root).filter(
        (s) =>
          s.value !== null && typeof s.value === 'object' && !Array.isArray(s.value) && Object.keys(s.value).length > 0,
      ),
    );
    if (!site) return;
    const object = site.value as Record<string, Json>;
    const entries = Object.entries(object).map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`);
    const dupKey = rng.pick(Object.keys(object));
    const dupValue = rng.chance(0.5) ? object[dupKey] : rng.pick(JSON_PALETTE);
    entries.splice(rng.int(entries.length + 1), 0, `${JSON.stringify(dupKey)}:${JSON.stringify(dupValue)}`);
    setSite(site, raw.placeholder(`{${entries.join(',')}}`));
  },
  /** Keys renamed: snake_case (not valid OTLP/JSON), unknown, prototype names, the canary. */
  'rename-key': (rng, root, _raw, ctx) => {
    const site = pickSome(
      rng,
      jsonSites(root).filter((s) => typeof s.key === 'string'),
    );
    if (!site) return;
    const holder = site.holder as Record<string, Json>;
    const key = site.key as string;
    const renamed = rng.pick([
      key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`),
      key.toUpperCase(),
      '__proto__',
      'constructor',
      'toString',
      ctx.canary,
      '',
      `${key} `,
    ]);
    delete holder[key];
    if (renamed === '__proto__')
      Object.defineProperty(holder, renamed, {
        value: site.value,
        enumerable: true,
        configurable: true,
        writable: true,
      });
    else holder[renamed] = site.value;
  },
  'drop-key': (rng, root) => {
    const site = pickSome(
      rng,
      jsonSites(root).filter((s) => typeof s.key === 'string'),
    );
    if (!site) return;
    delete (site.holder as Record<string, Json>)[site.key as string];
  },
  /** Giant arrays within the size limit: one span/attribute/event/value repeated, or empty objects. */
  'repeat-element': (rng, root, _raw, ctx) => {
    const site = pickSome(
      rng,
      jsonSites(root).filter((s) => Array.isArray(s.value) && s.value.length > 0),
    );
    if (!site) return;
    const list = site.value as Json[];
    const unit = rng.chance(0.4) ? {} : rng.pick(list);
    const unitSize = JSON.stringify(unit).length + 1;
    const count = Math.max(2, Math.floor(rng.logInt(4 * 1024, ctx.maxRepeatBytes) / unitSize));
    setSite(site, new Array<Json>(count).fill(unit));
  },
  /** Valid escapes that make odd strings: lone surrogates, NUL, BOM, around the canary. */
  'odd-escapes': (rng, root, raw, ctx) => {
    const site = pickSome(
      rng,
      jsonSites(root).filter((s) => typeof s.value === 'string'),
    );
    if (!site) return;
    const value = `${site.value as string}${ctx.canary}`;
    const at = rng.int(value.length + 1);
    const escaped = (s: string): string => JSON.stringify(s).slice(1, -1);
    setSite(
      site,
      raw.placeholder(`"${escaped(value.slice(0, at))}${rng.pick(ODD_ESCAPES)}${escaped(value.slice(at))}"`),
    );
  },
};

type JsonTextMutator = (rng: Rng, text: Buffer) => Buffer;

/** Bytes where a JSON token starts outside strings: structural characters, numbers, literals. */
const TOKEN_START = new Uint8Array(256);
for (const c of '{}[],:0123456789-tfn') TOKEN_START[c.charCodeAt(0)] = 1;

const STRUCTURAL_CHARS = [...'{}[],:"'].map((c) => c.charCodeAt(0));
const STRUCTURAL = new Uint8Array(256);
for (const c of STRUCTURAL_CHARS) STRUCTURAL[c] = 1;

/** Offsets of structural characters, string contents, escapes and numbers in JSON text. */
function tokenBoundaries(text: Buffer): number[] {
  const out: number[] = [];
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === 0x5c) {
        // Before the backslash, inside the escape, inside a \uXXXX.
        out.push(i, i + 1, i + 3);
        i++;
      } else if (c === 0x22) {
        inString = false;
        out.push(i, i + 1);
      }
    } else if (c === 0x22) {
      inString = true;
      out.push(i, i + 1, i + 2);
    } else if (TOKEN_START[c]) {
      out.push(i, i + 1);
    }
  }
  return out.filter((i) => i < text.length);
}

const jsonTextMutators: Record<string, JsonTextMutator> = {
  /** Cut right before/after a brace, bracket, colon, comma, quote, inside an escape, a number, a literal. */
  'truncate-token': (rng, text) => text.subarray(0, rng.pick(tokenBoundaries(text))),
  'truncate-random': (rng, text) => text.subarray(0, rng.int(text.length)),
  'bit-flip': (rng, text) => {
    const out = Buffer.from(text);
    for (let i = rng.range(1, 4); i > 0; i--) out[rng.int(out.length)] ^= 1 << rng.int(8);
    return out;
  },
  'insert-bytes': (rng, text) =>
    splice(
      text,
      rng.int(text.length + 1),
      0,
      rng.chance(0.5)
        ? rng.bytes(rng.range(1, 8))
        : Buffer.from(rng.pick(['{', '}', '[', ']', ',', ':', '"', '\\', 'null', '-', '.', 'e'])),
    ),
  'delete-bytes': (rng, text) => splice(text, rng.int(text.length), rng.range(1, 8)),
  /** Invalid UTF-8 bytes, mostly inside strings (lone continuation, overlong, surrogate, > U+10FFFF). */
  'invalid-utf8': (rng, text) => {
    const quotes = tokenBoundaries(text).filter((i) => text[i - 1] === 0x22);
    const at = quotes.length > 0 && rng.chance(0.8) ? rng.pick(quotes) : rng.int(text.length + 1);
    return splice(text, at, 0, rng.pick(BAD_UTF8));
  },
  /** A structural character swapped for another. */
  'swap-structural': (rng, text) => {
    const spots = tokenBoundaries(text).filter((i) => STRUCTURAL[text[i]] === 1);
    const out = Buffer.from(text);
    if (spots.length > 0) out[rng.pick(spots)] = rng.pick(STRUCTURAL_CHARS);
    return out;
  },
  /** Whatever surrounds the value: a BOM, NULs, trailing garbage, a second document, lots of whitespace. */
  wrapping: (rng, text) =>
    rng.pick([
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), text]),
      Buffer.concat([text, Buffer.from([0])]),
      Buffer.concat([text, Buffer.from('}')]),
      Buffer.concat([text, text]),
      Buffer.concat([Buffer.from(' \n\t\r'.repeat(rng.range(1, 4096))), text]),
      Buffer.concat([Buffer.from('\u0000'), text]),
    ]),
};

export interface JsonSeed {
  name: string;
  text: string;
}

/** A mutated OTLP/JSON body: 0-2 tree mutations, then 0-2 text mutations; ~2% are the seed itself. */
export function mutateJson(rng: Rng, seeds: readonly JsonSeed[], ctx: FuzzContext): Mutated {
  const seed = rng.pick(seeds);
  if (rng.chance(0.02)) return { body: Buffer.from(seed.text), mutations: ['seed'] };
  const mutations: string[] = [];
  const structural = rng.weighted([
    [0, 40],
    [1, 45],
    [2, 15],
  ]);
  let text: Buffer;
  if (structural > 0) {
    const root = JSON.parse(seed.text) as Json;
    const raw = new RawText();
    const names = Object.keys(jsonTreeMutators);
    for (let i = 0; i < structural; i++) {
      // JSON.parse materializes everything before any limit applies: keep the big ones rare.
      const name = rng.weighted(
        names.map((n) => [n, n === 'repeat-element' ? 0.5 : n === 'deep-nesting' ? 3 : 10] as const),
      );
      jsonTreeMutators[name](rng, root, raw, ctx);
      mutations.push(name);
    }
    text = Buffer.from(raw.render(root));
  } else {
    text = Buffer.from(seed.text);
  }
  const textual =
    structural === 0
      ? rng.range(1, 2)
      : rng.weighted([
          [0, 40],
          [1, 50],
          [2, 10],
        ]);
  const textNames = Object.keys(jsonTextMutators);
  for (let i = 0; i < textual && text.length > 0; i++) {
    const name = rng.pick(textNames);
    text = jsonTextMutators[name](rng, text);
    mutations.push(name);
  }
  return { body: text, mutations };
}

// ---------------------------------------------------------------------------------------
// Compression and bombs

/** A gzip stream with a few bytes flipped or cut: bad header, bad deflate data, bad CRC/length. */
export function corruptGzip(rng: Rng, gz: Buffer): Buffer {
  switch (rng.int(4)) {
    case 0:
      return gz.subarray(0, rng.int(gz.length));
    case 1: {
      const out = Buffer.from(gz);
      out[rng.int(out.length)] ^= 1 << rng.int(8);
      return out;
    }
    case 2: {
      // The trailer: CRC32 and ISIZE.
      const out = Buffer.from(gz);
      out[out.length - 1 - rng.int(8)] ^= 0xff;
      return out;
    }
    default:
      return Buffer.concat([gz, rng.bytes(rng.range(1, 16))]);
  }
}

const MIB = 1024 * 1024;
const ZEROS_MIB = Buffer.alloc(MIB);

/**
 * A gzip bomb: `mib` MiB of zeros as that many 1 MiB gzip members back to back (RFC 1952
 * allows several members; zlib, grpc-js and Node inflate them all), ~1 KB per MiB. Deflate
 * cannot do better than ~1:1030, so 1 GiB takes ~1 MB of gzip.
 */
export function gzipBomb(mib: number): Buffer {
  const member = gzipSync(ZEROS_MIB, { level: 9 });
  return Buffer.concat(new Array<Buffer>(mib).fill(member));
}

/**
 * A zlib-format (Content-Encoding / grpc-encoding "deflate") bomb of `mib` MiB of zeros: a
 * 1 MiB deflate segment ending in a sync flush repeated (it only ever copies zeros, so it
 * means the same at any position), a final empty block, and the Adler-32 of n zeros
 * (a = 1, b = n mod 65521).
 */
export function deflateBomb(mib: number): Buffer {
  const segment = deflateRawSync(ZEROS_MIB, { level: 9, finishFlush: constants.Z_SYNC_FLUSH });
  const adler = Buffer.alloc(4);
  adler.writeUInt32BE(((((mib * MIB) % 65521) << 16) | 1) >>> 0);
  return Buffer.concat([
    Buffer.from([0x78, 0xda]),
    ...new Array<Buffer>(mib).fill(segment),
    Buffer.from([0x03, 0x00]),
    adler,
  ]);
}

/** `unit` repeated to `bytes` bytes at most (degenerate bodies for the giants phase). */
export function repeatTo(unit: Uint8Array, bytes: number): Buffer {
  return Buffer.concat(new Array<Uint8Array>(Math.floor(bytes / unit.length)).fill(unit));
}

/** A length-delimited protobuf field around `payload`. */
export function pbLen(no: number, payload: Uint8Array): Buffer {
  return Buffer.concat([varint(no * 8 + Wire.Len), varint(payload.length), payload]);
}

/** Whether `needle` occurs in `haystack` (text or bytes). */
export function contains(haystack: Uint8Array | string | undefined, needle: string): boolean {
  if (haystack === undefined) return false;
  return typeof haystack === 'string'
    ? haystack.includes(needle)
    : Buffer.from(haystack.buffer, haystack.byteOffset, haystack.byteLength).includes(needle);
}
