/**
 * The "through a real collector" blocks of the provider tests each start a collector before their
 * tests and stop it after. `useCollector` registers that pair in the caller's describe block.
 */
import { CollectorProcess } from '../../helpers/collector';

export interface UsedCollector {
  readonly collector: CollectorProcess;
  /** The collector's OTLP/gRPC endpoint, as OTEL_EXPORTER_OTLP_ENDPOINT. */
  endpoint(): string;
}

export function useCollector(startTimeoutMs = 60_000): UsedCollector {
  let collector: CollectorProcess | undefined;
  beforeAll(async () => {
    collector = await CollectorProcess.start();
  }, startTimeoutMs);
  afterAll(async () => {
    await collector?.stop();
  });
  const used: UsedCollector = {
    get collector() {
      if (!collector) throw new Error('the collector is not started yet');
      return collector;
    },
    endpoint: () => `http://${used.collector.grpcEndpoint}`,
  };
  return used;
}
