'use strict';
/**
 * Pre-encoded OTLP/protobuf export requests of 512 spans (the OpenTelemetry SDK's batch size),
 * built by bench/spans.js and cached under .bench/requests, so encoding (about a second per
 * request) is paid once per day rather than once per scenario. Each request comes with the
 * offsets of its trace ids and span times, so a sender can replay it as new spans (restamp).
 */
const fs = require('node:fs');
const path = require('node:path');
const { encodedRequest, startOfToday } = require('../spans');

const REPO = path.resolve(__dirname, '../..');
const CACHE = path.join(REPO, '.bench', 'requests');
const SPANS_PER_REQUEST = 512;
const SEED = 20_261_127;
const FORMAT = 2; // of the cache files; bump when encodedRequest changes

/** `count` requests (seeds SEED, SEED+1, ...), from the cache when it holds them. */
function loadRequests(count) {
  const baseTimeMs = startOfToday();
  fs.mkdirSync(CACHE, { recursive: true });
  const requests = [];
  for (let i = 0; i < count; i++) {
    const name = path.join(CACHE, `v${FORMAT}-${baseTimeMs}-${SEED + i}-${SPANS_PER_REQUEST}`);
    let request;
    try {
      request = { ...JSON.parse(fs.readFileSync(`${name}.json`, 'utf8')), bytes: fs.readFileSync(`${name}.bin`) };
    } catch {
      request = encodedRequest({ seed: SEED + i, count: SPANS_PER_REQUEST, baseTimeMs });
      fs.writeFileSync(`${name}.bin`, request.bytes);
      fs.writeFileSync(`${name}.json`, JSON.stringify({ ...request, bytes: undefined }));
    }
    requests.push(request);
  }
  return requests;
}

/**
 * A copy of `request` that can be re-stamped in place: restamp(sequence, nowMs) writes
 * `sequence` into bytes 0-3 of every trace id (so the spans are new records, with new record
 * ids) and moves every span time by now - baseTime (so they are current spans, as a live
 * service sends them: the store's time partitions and time-bounded lookups see real times).
 */
function replayable(request) {
  const bytes = Buffer.from(request.bytes);
  const times = request.timeOffsets.map((offset) => request.bytes.readBigUInt64LE(offset));
  const base = BigInt(request.baseTimeMs) * 1_000_000n;
  return {
    bytes,
    spans: request.spans,
    restamp(sequence, nowMs) {
      for (const offset of request.traceIdOffsets) bytes.writeUInt32BE(sequence >>> 0, offset);
      const shift = BigInt(Math.round(nowMs)) * 1_000_000n - base;
      request.timeOffsets.forEach((offset, i) => bytes.writeBigUInt64LE(times[i] + shift, offset));
    },
  };
}

module.exports = { loadRequests, replayable, SPANS_PER_REQUEST };
