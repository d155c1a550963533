import { components } from '../../collector/src/components';
import { parseConfigText, type ClickHouseExporterConfig } from '../../collector/src/config';
import { prepareSchema } from '../../collector/src/exporter/clickhouse/exporter';
import { Store } from '../../collector/src/store/client';
import { silentLogger } from '../../collector/src/telemetry/logger';
import { ClickHouseServer } from './clickhouse-server';
import { collectorConfig, type CollectorOptions } from './collector';

/**
 * A ClickHouse test server with the collector's schema on it, prepared as the clickhouse
 * exporter prepares it for the config `collectorConfig(options)` describes, and a store
 * session on it. The caller closes the store and stops the server.
 */
export async function startServerStore(
  options: Omit<CollectorOptions, 'storeYaml'> = {},
): Promise<{ server: ClickHouseServer; store: Store; config: ClickHouseExporterConfig }> {
  const server = await ClickHouseServer.start();
  const text = collectorConfig({ ...options, storeYaml: `    endpoint: ${server.url}` });
  const config = parseConfigText(text, 't.yaml', components, {}).exporters.clickhouse as ClickHouseExporterConfig;
  const store = await Store.open({ kind: 'server', url: new URL(server.url) }, { database: 'ai_audit' });
  await prepareSchema(store, config, silentLogger);
  return { server, store, config };
}
