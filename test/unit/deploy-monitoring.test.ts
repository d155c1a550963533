import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { hasTool, KUBECTL, renderOverlay } from '../helpers/kubernetes';

/**
 * deploy/: Grafana and Prometheus beside the collector, in compose and Kubernetes. `kubectl`
 * and `promtool` checks run when the tools are installed and say why they skip otherwise.
 */
const DEPLOY = join(__dirname, '../../deploy');
const PROMTOOL = hasTool('promtool', ['--version']);
if (!KUBECTL) console.warn('deploy-monitoring.test.ts: kustomize rendering skipped, `kubectl` is not installed');
if (!PROMTOOL)
  console.warn(
    'deploy-monitoring.test.ts: Prometheus config check skipped, `promtool` is not installed (apt-get install -y prometheus)',
  );

describe('deploy/: monitoring', () => {
  const compose = parse(readFileSync(join(DEPLOY, 'compose/docker-compose.yaml'), 'utf8'));

  it('compose runs Grafana with the ClickHouse plugin and the provisioning, and Prometheus', () => {
    const grafana = compose.services.grafana;
    expect(grafana.environment.GF_INSTALL_PLUGINS).toMatch(/^grafana-clickhouse-datasource\b/);
    expect(grafana.volumes).toEqual(
      expect.arrayContaining([
        '../grafana/provisioning:/etc/grafana/provisioning:ro',
        '../grafana/dashboards:/var/lib/grafana/dashboards/ai-audit:ro',
      ]),
    );
    expect(compose.services.prometheus.volumes).toContain(
      '../prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro',
    );
    expect(compose.services.clickhouse.volumes).toContain('../clickhouse:/docker-entrypoint-initdb.d:ro');
    // Every ${VAR} the datasource provisioning reads is set for Grafana.
    const datasources = readFileSync(join(DEPLOY, 'grafana/provisioning/datasources/ai-audit.yaml'), 'utf8');
    const needed = [...datasources.matchAll(/\$\{([A-Z_]+)\}/g)].map((m) => m[1]);
    expect(needed.filter((name) => !(name in grafana.environment))).toEqual([]);
    // Prometheus scrapes the collector's metrics address.
    const prometheus = parse(readFileSync(join(DEPLOY, 'prometheus/prometheus.yml'), 'utf8'));
    expect(prometheus.scrape_configs[0].static_configs[0].targets).toEqual(['collector:8888']);
    expect(compose.services.collector.ports).toContain('127.0.0.1:8888:8888');
  });

  (PROMTOOL ? it : it.skip)('the Prometheus configs pass promtool check config', () => {
    for (const file of ['prometheus.yml', 'prometheus.kubernetes.yml'])
      execFileSync('promtool', ['check', 'config', join(DEPLOY, 'prometheus', file)], { stdio: 'pipe' });
  });

  (KUBECTL ? it.each : it.skip.each)(['single', 'cluster'])(
    'kubectl kustomize deploy/kubernetes/overlays/%s renders Grafana and Prometheus, and Services select only their own pods',
    (overlay) => {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- rendered manifests are untyped YAML
      const docs = renderOverlay<any>(overlay);
      const kinds = docs.map((d) => `${d.kind}/${d.metadata.name}`);
      expect(kinds).toEqual(
        expect.arrayContaining([
          'Deployment/grafana',
          'Deployment/prometheus',
          'Service/grafana',
          'Service/prometheus',
          'StatefulSet/ai-audit-collector',
        ]),
      );
      const workloads = docs.filter((d) => ['Deployment', 'StatefulSet'].includes(d.kind));
      for (const service of docs.filter((d) => d.kind === 'Service')) {
        const selected = workloads.filter((w) =>
          Object.entries(service.spec.selector).every(([k, v]) => w.spec.template.metadata.labels[k] === v),
        );
        expect({ service: service.metadata.name, selects: selected.map((w) => w.metadata.name) }).toEqual({
          service: service.metadata.name,
          selects: [service.metadata.name.replace(/-headless$/, '')],
        });
      }
      for (const workload of workloads)
        expect(workload.spec.selector.matchLabels).toEqual(workload.spec.template.metadata.labels);
      const configMap = (prefix: string) =>
        docs.find((d) => d.kind === 'ConfigMap' && d.metadata.name.startsWith(prefix));
      const dashboards = configMap('ai-audit-grafana-dashboards');
      expect(Object.keys(dashboards.data).sort()).toEqual([
        'agents-tools.json',
        'collector-health.json',
        'compliance.json',
        'overview.json',
        'users-features.json',
      ]);
      for (const text of Object.values(dashboards.data)) expect(JSON.parse(text as string).uid).toMatch(/^ai-audit-/);
      expect(configMap('ai-audit-prometheus').data['prometheus.yml']).toContain('ai-audit-collector-headless');
      const grafana = workloads.find((w) => w.metadata.name === 'grafana').spec.template.spec;
      const volumes = Object.fromEntries(
        grafana.volumes
          .filter((v: { configMap?: unknown }) => v.configMap)
          .map((v: { name: string; configMap: { name: string } }) => [v.name, v.configMap.name]),
      );
      for (const name of Object.values(volumes))
        expect(docs.some((d) => d.kind === 'ConfigMap' && d.metadata.name === name)).toBe(true);
      const pdb = docs.find((d) => d.kind === 'PodDisruptionBudget' && d.metadata.name === 'ai-audit-collector');
      expect(pdb.spec.selector.matchLabels['app.kubernetes.io/name']).toBe('ai-audit-collector');
      // Grafana's ClickHouse address comes from the overlay's ai-audit-clickhouse ConfigMap.
      const refs = grafana.containers[0].envFrom.flatMap((source: { configMapRef?: { name: string } }) =>
        source.configMapRef ? [source.configMapRef.name] : [],
      );
      const addresses = docs.filter((d) => d.kind === 'ConfigMap' && refs.includes(d.metadata.name));
      expect(addresses.map((d) => d.metadata.name)).toEqual([expect.stringMatching(/^ai-audit-clickhouse-[a-z0-9]+$/)]);
      expect(Object.keys(addresses[0].data)).toEqual(
        expect.arrayContaining(['AI_AUDIT_CLICKHOUSE_HOST', 'AI_AUDIT_CLICKHOUSE_PORT', 'AI_AUDIT_CLICKHOUSE_SECURE']),
      );
    },
  );
});
