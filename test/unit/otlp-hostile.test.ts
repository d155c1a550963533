/**
 * Seeded mutation of valid requests: whatever the bytes, the decoders either decode or throw
 * OtlpDecodeError, and no error message carries request content (the canary planted in
 * names, keys, values, links and unknown fields of every seed).
 */
import { decodeTraceExportJson } from '../../collector/src/receiver/otlp/decode/decode-json';
import { decodeTraceExportProtobuf } from '../../collector/src/receiver/otlp/decode/decode-protobuf';
import type { DecodeLimits } from '../../collector/src/receiver/otlp/decode/types';
import { OtlpDecodeError } from '../../collector/src/receiver/otlp/decode/types';
import {
  CANARY,
  ROOMY_LIMITS,
  encodeWithProtobufjs,
  otlpProtoRoot,
  richSpans,
  toJson,
  toProtobuf,
  typicalGenAiSpan,
} from '../helpers/otlp-fixtures';

const CASES = 3000;

/** Small caps, so refusals and truncations are exercised too. */
const TIGHT_LIMITS: DecodeLimits = {
  maxSpans: 3,
  maxAttributesPerSpan: 5,
  maxEventsPerSpan: 2,
  maxAttributeValueLength: 8,
  maxValueDepth: 2,
};

function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rng = () => number;
const int = (rnd: Rng, n: number) => Math.floor(rnd() * n);

/** Bytes that matter to the wire formats: varint edges, tags, JSON punctuation. */
const INTERESTING = [
  0x00, 0x01, 0x02, 0x07, 0x08, 0x0a, 0x12, 0x7f, 0x80, 0xff, 0x22, 0x5b, 0x5d, 0x7b, 0x7d, 0x3a, 0x2c, 0x5c,
];

function mutate(seed: Uint8Array, others: Uint8Array[], rnd: Rng): Uint8Array {
  let bytes: Uint8Array = Uint8Array.from(seed);
  const rounds = 1 + int(rnd, 4);
  for (let r = 0; r < rounds && bytes.length > 0; r++) {
    const at = int(rnd, bytes.length);
    switch (int(rnd, 8)) {
      case 0: // truncate
        bytes = bytes.slice(0, at);
        break;
      case 1: // flip bits
        bytes[at] ^= 1 << int(rnd, 8);
        break;
      case 2: // an interesting byte
        bytes[at] = INTERESTING[int(rnd, INTERESTING.length)];
        break;
      case 3: {
        // a run of 0xff (varint overflow, huge lengths) or 0x80
        const run = new Uint8Array(1 + int(rnd, 12)).fill(rnd() < 0.5 ? 0xff : 0x80);
        bytes = concat(bytes.subarray(0, at), run, bytes.subarray(at));
        break;
      }
      case 4: {
        // delete a range
        bytes = concat(bytes.subarray(0, at), bytes.subarray(Math.min(bytes.length, at + 1 + int(rnd, 64))));
        break;
      }
      case 5: {
        // duplicate a range
        const end = Math.min(bytes.length, at + 1 + int(rnd, 64));
        bytes = concat(bytes.subarray(0, end), bytes.subarray(at, end), bytes.subarray(end));
        break;
      }
      case 6: {
        // splice in a piece of another seed
        const other = others[int(rnd, others.length)];
        const from = int(rnd, other.length);
        bytes = concat(bytes.subarray(0, at), other.subarray(from, from + 1 + int(rnd, 200)), bytes.subarray(at));
        break;
      }
      default: // random bytes
        for (let i = 0; i < 1 + int(rnd, 8) && at + i < bytes.length; i++) bytes[at + i] = int(rnd, 256);
    }
  }
  return bytes;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  return Uint8Array.from(Buffer.concat(parts));
}

/** Replaces a random node of a JSON tree with a value of another type. */
function mutateTree(tree: unknown, rnd: Rng): unknown {
  const replacements = [
    () => CANARY,
    () => `SPAN_KIND_${CANARY}`,
    () => -1,
    () => 1.5,
    () => 2 ** 70,
    () => null,
    () => true,
    () => [CANARY, { stringValue: CANARY }],
    () => ({ [CANARY]: CANARY, stringValue: 5 }),
    () => ({ arrayValue: { values: [{ arrayValue: { values: [{ arrayValue: { values: [] } }] } }] } }),
    () => 'ZZ',
    () => '-5',
  ];
  const nodes: { parent: Record<string, unknown> | unknown[]; key: string | number }[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) {
      v.forEach((c, i) => {
        nodes.push({ parent: v, key: i });
        walk(c);
      });
    } else if (v !== null && typeof v === 'object') {
      for (const [k, c] of Object.entries(v)) {
        nodes.push({ parent: v as Record<string, unknown>, key: k });
        walk(c);
      }
    }
  };
  walk(tree);
  const { parent, key } = nodes[int(rnd, nodes.length)];
  (parent as Record<string | number, unknown>)[key] = replacements[int(rnd, replacements.length)]();
  return tree;
}

interface Outcome {
  decoded: number;
  refused: number;
  failures: string[];
}

function attempt(decode: () => unknown, label: string, outcome: Outcome): void {
  try {
    decode();
    outcome.decoded++;
  } catch (err) {
    if (!(err instanceof OtlpDecodeError)) {
      outcome.failures.push(`${label}: threw ${(err as Error)?.constructor?.name}`);
      return;
    }
    outcome.refused++;
    const message = err.message;
    // The generic refusal is the safety net for engine errors; hitting it means a bug.
    if (message === 'malformed request') outcome.failures.push(`${label}: an internal error was masked`);
    // The canary, or any 6-character piece of it, would be request content.
    const pieces = Array.from({ length: CANARY.length - 5 }, (_, i) => CANARY.slice(i, i + 6));
    if (pieces.some((piece) => message.includes(piece))) outcome.failures.push(`${label}: message quotes the request`);
    if (!/^[\x20-\x7e]+$/.test(message) || message.length > 300) {
      outcome.failures.push(`${label}: message is not a short plain-ASCII reason`);
    }
  }
}

const protobufSeeds = [
  toProtobuf(richSpans()),
  toProtobuf([typicalGenAiSpan(0), typicalGenAiSpan(1)]),
  encodeWithProtobufjs(otlpProtoRoot(true), {
    xText: CANARY,
    resourceSpans: [
      {
        xText: CANARY,
        scopeSpans: [
          {
            spans: [
              {
                name: CANARY,
                xMessage: { note: CANARY },
                attributes: [
                  {
                    key: CANARY,
                    value: { kvlistValue: { values: [{ key: CANARY, value: { stringValue: CANARY } }] } },
                  },
                ],
              },
            ],
          },
        ],
      },
    ],
  }),
];
const jsonSeeds = [toJson(richSpans()), toJson([typicalGenAiSpan(0), typicalGenAiSpan(1)])];

describe('hostile input', () => {
  test.each([
    ['protobuf', protobufSeeds, (b: Uint8Array, l: DecodeLimits) => decodeTraceExportProtobuf(b, l)],
    ['JSON bytes', jsonSeeds, (b: Uint8Array, l: DecodeLimits) => decodeTraceExportJson(Buffer.from(b), l)],
  ] as const)('%s: mutated and truncated bodies only ever raise OtlpDecodeError', (_name, seeds, decode) => {
    const rnd = mulberry32(0xa11d17);
    const outcome: Outcome = { decoded: 0, refused: 0, failures: [] };
    for (let i = 0; i < CASES; i++) {
      const body = mutate(seeds[i % seeds.length], seeds, rnd);
      const limits = i % 2 === 0 ? ROOMY_LIMITS : TIGHT_LIMITS;
      attempt(() => decode(body, limits), `case ${i}`, outcome);
    }
    expect(outcome.failures).toEqual([]);
    // The mutations must exercise both paths, or the test proves little.
    expect(outcome.refused).toBeGreaterThan(CASES / 10);
    expect(outcome.decoded).toBeGreaterThan(CASES / 100);
  });

  test('JSON: well-formed bodies with wrong types in random places', () => {
    const rnd = mulberry32(0x5eed);
    const outcome: Outcome = { decoded: 0, refused: 0, failures: [] };
    for (let i = 0; i < CASES; i++) {
      const tree = JSON.parse(jsonSeeds[i % jsonSeeds.length].toString('utf8')) as unknown;
      const rounds = 1 + int(rnd, 3);
      for (let r = 0; r < rounds; r++) mutateTree(tree, rnd);
      const body = JSON.stringify(tree);
      attempt(() => decodeTraceExportJson(body, i % 2 === 0 ? ROOMY_LIMITS : TIGHT_LIMITS), `case ${i}`, outcome);
    }
    expect(outcome.failures).toEqual([]);
    expect(outcome.refused).toBeGreaterThan(CASES / 10);
  });

  test('random bytes', () => {
    const rnd = mulberry32(7);
    const outcome: Outcome = { decoded: 0, refused: 0, failures: [] };
    for (let i = 0; i < CASES; i++) {
      const body = Uint8Array.from({ length: int(rnd, 256) }, () => int(rnd, 256));
      attempt(() => decodeTraceExportProtobuf(body, TIGHT_LIMITS), `protobuf ${i}`, outcome);
      attempt(() => decodeTraceExportJson(Buffer.from(body), TIGHT_LIMITS), `json ${i}`, outcome);
    }
    expect(outcome.failures).toEqual([]);
  });
});
