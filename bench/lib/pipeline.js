'use strict';
/**
 * The collector's pipeline in-process, built from its compiled modules (collector/dist) with the
 * same configuration the ingest scenario's collector runs (lib/collector.js), so the stages and
 * limits scenarios time exactly the code and settings of the end-to-end run.
 */
const fs = require('node:fs');
const path = require('node:path');
const { REPO } = require('./collector');

/** The compiled collector; BENCH_COLLECTOR_DIST points at another build (to compare two). */
const DIST = path.resolve(process.env.BENCH_COLLECTOR_DIST ?? path.join(__dirname, '../../collector/dist'));
const dist = (module) => require(path.join(DIST, module));

/**
 * The pipeline's processors (normalize, join, cost, classify, protect) and the receiver's decode
 * limits, for a configuration living in `dir` (the local keyring is created there).
 */
function buildPipeline(dir) {
  const { parseConfigText } = dist('config/load');
  const { componentType } = dist('config/types');
  const { components } = dist('components');
  const { silentLogger } = dist('telemetry/logger');
  const { MetricsRegistry } = dist('telemetry/metrics');
  const { parseSize } = dist('config/units');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'otel-config.yaml');
  const text = fs.readFileSync(path.join(REPO, 'otel-config.yaml'), 'utf8');
  fs.writeFileSync(file, text);
  const config = parseConfigText(text, file, dist('components').components, {}); // no environment: the shipped defaults
  const loaded = { file, dir, config };
  const metrics = new MetricsRegistry();
  const ids = config.service.pipelines.traces.processors;
  const processors = Object.fromEntries(
    ids.map((id) => [
      id,
      components.processors[componentType(id)].create(config.processors[id], {
        id,
        loaded,
        logger: silentLogger,
        metrics,
      }),
    ]),
  );
  // As the receiver's ExportHandler turns the config into decode limits.
  const l = config.receivers.otlp.limits;
  const limits = {
    maxSpans: l.max_spans_per_request,
    maxAttributesPerSpan: l.max_attributes_per_span,
    maxEventsPerSpan: l.max_events_per_span,
    maxAttributeValueLength: parseSize(l.max_attribute_value_length),
    maxValueDepth: l.max_value_depth,
  };
  return { config, loaded, processors, order: ids, limits };
}

/** A RecordBatch for one decoded export, as service/pipelines.ts makes it: empty until `runStage(entry)`. */
function newBatch(traces, tenantId = 'default') {
  return { tenantId, traces, records: [], dataKeys: [], afterDurable: [], afterFailure: [] };
}

/** One processor on `batch`: the entry (normalize) makes its records from the spans, the others change them. */
function runStage(pipeline, id, batch) {
  const processor = pipeline.processors[id];
  if (id !== pipeline.order[0]) return processor.process(batch);
  batch.records = processor.makeRecords(batch.tenantId, batch.traces).records;
  return undefined;
}

/** Runs every processor on `batch`, in the configured order. */
async function processAll(pipeline, batch) {
  for (const id of pipeline.order) await runStage(pipeline, id, batch);
  return batch;
}

/**
 * What the exporter writes to the WAL for a batch's records: the records section (RowBinary
 * rows) and the ledger leaves digested from those rows.
 */
function recordsSection(records) {
  return dist('store/wal-entry').recordsSection(records);
}

/**
 * What the batch writer inserts for `records`: the RowBinary rows back to back, and, for
 * comparison with the JSONEachRow rows written before, the same rows as JSON lines.
 */
function insertBodies(records) {
  const { rowsOf } = dist('store/wal-entry');
  const { recordRowJson } = dist('store/row-binary');
  const { section } = recordsSection(records);
  const rows = rowsOf([{ ...section, format: 'rowbinary' }]);
  return {
    rows: rows.length,
    binary: Buffer.concat(rows),
    json: rows.map((row) => `${JSON.stringify(recordRowJson(row))}\n`).join(''),
  };
}

/** The embedded store under `dir`, with the schema the collector creates for `pipeline`'s config. */
async function openStore(dir, pipeline) {
  const { Store } = dist('store/client');
  const { prepareSchema } = dist('exporter/clickhouse/exporter');
  const { silentLogger } = dist('telemetry/logger');
  const store = await Store.open(
    { kind: 'embedded', path: path.join(dir, 'data', 'clickhouse') },
    { database: 'ai_audit' },
  );
  await prepareSchema(store, pipeline.config.exporters.clickhouse, silentLogger);
  return store;
}

module.exports = { dist, buildPipeline, newBatch, runStage, processAll, recordsSection, insertBodies, openStore };
