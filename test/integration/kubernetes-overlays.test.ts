import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { KUBECTL, OVERLAYS, renderOverlay } from '../helpers/kubernetes';

/**
 * deploy/kubernetes/overlays/{single,cluster}: rendered with `kubectl kustomize` (skipped, with
 * the reason, where kubectl is not installed), every object validated (Kubernetes kinds with
 * kubernetes-models, the Altinity operator's resources against its CRD schemas vendored in
 * test/fixtures/kubernetes/), and the collector's config checked by `ai-audit validate` with the
 * environment the overlay gives its pods: the retention set in the overlay's kustomization.yaml
 * must reach the exporter.
 */
const ROOT = join(__dirname, '../..');
const DEPLOY = join(ROOT, 'deploy');
const FIXTURES = join(ROOT, 'test/fixtures/kubernetes');
const CLI = join(ROOT, 'collector/bin/ai-audit.js');

if (!KUBECTL) console.warn('kubernetes-overlays.test.ts: overlays not rendered, `kubectl` is not installed');

/* eslint-disable @typescript-eslint/no-explicit-any -- rendered manifests are untyped YAML */
type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
} & Record<string, any>;
type Labels = Record<string, string>;
interface Container {
  name: string;
  image: string;
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: any }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  ports?: { name: string; containerPort: number }[];
  volumeMounts?: { name: string; mountPath: string; subPath?: string }[];
  [key: string]: any;
}
interface Peer {
  podSelector?: { matchLabels?: Labels };
  namespaceSelector?: { matchLabels?: Labels };
}
interface IngressRule {
  from?: Peer[];
  ports?: { port: number; protocol?: string }[];
}

const DAY = 86_400_000;
const days = (text: string): number => {
  const match = /^(\d+)d$/.exec(text);
  if (!match) throw new Error(`${text}: expected a number of days (e.g. 400d)`);
  return Number(match[1]) * DAY;
};

const render = (overlay: string): K8sObject[] => renderOverlay<K8sObject>(overlay);

/** The overlay's own kustomization.yaml: what a user edits. */
function kustomization(overlay: string): any {
  return parse(readFileSync(join(OVERLAYS, overlay, 'kustomization.yaml'), 'utf8'));
}

/** `literals` of a configMapGenerator in the overlay's kustomization.yaml, as a map. */
function generated(overlay: string, name: string): Record<string, string> {
  const generator = (kustomization(overlay).configMapGenerator as { name: string; literals?: string[] }[]).find(
    (g) => g.name === name,
  );
  if (!generator?.literals) throw new Error(`${overlay}: no configMapGenerator ${name} with literals`);
  return Object.fromEntries(generator.literals.map((line) => line.split(/=(.*)/s).slice(0, 2) as [string, string]));
}

/**
 * The keys of each secret the README tells users to create (`kubectl create secret generic
 * <name> --from-literal=KEY=...`): secrets are not rendered, so these get dummy values.
 */
function documentedSecrets(): Record<string, string[]> {
  const readme = readFileSync(join(DEPLOY, 'kubernetes/README.md'), 'utf8');
  const secrets: Record<string, string[]> = {};
  for (const chunk of readme.split('create secret generic ').slice(1)) {
    const name = /^\S+/.exec(chunk)![0];
    const command = chunk.split(/\n(?!\s)/)[0];
    secrets[name] = [...command.matchAll(/--from-literal=([A-Za-z_][A-Za-z0-9_]*)=/g)].map((m) => m[1]);
  }
  return secrets;
}

/** A value that passes the config's checks for a secret-provided variable. */
const dummy = (name: string): string =>
  /SHA256/.test(name)
    ? 'a'.repeat(64)
    : /TENANT/.test(name)
      ? 'acme'
      : /KMS/.test(name)
        ? `arn:aws:kms:eu-west-1:111122223333:key/${name.toLowerCase()}`
        : `dummy-${name.toLowerCase()}`;

/** The environment a container gets: envFrom ConfigMaps from the rendered output, secrets from the README. */
function containerEnv(container: Container, docs: K8sObject[]): Record<string, string> {
  const secrets = documentedSecrets();
  const configMap = (name: string): Record<string, string> => {
    const found = docs.find((d) => d.kind === 'ConfigMap' && d.metadata.name === name);
    if (!found) throw new Error(`${container.name}: ConfigMap ${name} is not in the rendered output`);
    return found.data ?? {};
  };
  const secret = (name: string): Record<string, string> => {
    if (!secrets[name]) throw new Error(`${container.name}: secret ${name} is not documented in kubernetes/README.md`);
    return Object.fromEntries(secrets[name].map((key) => [key, dummy(key)]));
  };
  const env: Record<string, string> = {};
  for (const source of container.envFrom ?? []) {
    if (source.configMapRef) Object.assign(env, configMap(source.configMapRef.name));
    else if (source.secretRef) Object.assign(env, secret(source.secretRef.name));
    else throw new Error(`${container.name}: unexpected envFrom ${JSON.stringify(source)}`);
  }
  for (const entry of container.env ?? []) {
    if (entry.value !== undefined) env[entry.name] = entry.value;
    else if (entry.valueFrom?.configMapKeyRef)
      env[entry.name] = configMap(entry.valueFrom.configMapKeyRef.name)[entry.valueFrom.configMapKeyRef.key];
    else if (entry.valueFrom?.secretKeyRef) {
      const { name, key } = entry.valueFrom.secretKeyRef;
      expect({ secret: name, key, documented: secrets[name]?.includes(key) }).toEqual({
        secret: name,
        key,
        documented: true,
      });
      env[entry.name] = dummy(key);
    } else throw new Error(`${container.name}: unexpected env ${JSON.stringify(entry)}`);
  }
  return env;
}

/** `ai-audit validate --format json` on a config, with exactly the given environment. */
function validate(
  configText: string,
  env: Record<string, string>,
): { status: number | null; stderr: string; json: any } {
  const dir = mkdtempSync(join(tmpdir(), 'ai-audit-k8s-'));
  try {
    const file = join(dir, 'otel-config.yaml');
    writeFileSync(file, configText);
    const run = spawnSync(process.execPath, [CLI, 'validate', '--config', file, '--format', 'json'], {
      cwd: dir,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
    });
    return { status: run.status, stderr: run.stderr, json: run.status === 0 ? JSON.parse(run.stdout) : undefined };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const selects = (selector: Labels | undefined, labels: Labels | undefined): boolean =>
  Object.entries(selector ?? {}).every(([key, value]) => labels?.[key] === value);

/** kubernetes-models is ESM-only: loaded with import(), one module per kind. */
type Validator = new (data: unknown) => { validate(): void };
const models = new Map<string, Validator>();
async function model(apiVersion: string, kind: string): Promise<Validator> {
  const spec = `kubernetes-models/${apiVersion}/${kind}`;
  if (!models.has(spec)) models.set(spec, ((await import(spec)) as Record<string, Validator>)[kind]);
  return models.get(spec)!;
}
async function validateModel(apiVersion: string, kind: string, data: unknown): Promise<void> {
  const Model = await model(apiVersion, kind);
  new Model(data).validate();
}

/**
 * A CRD's openAPIV3Schema for ajv. The API server rejects fields a structural schema does not
 * declare (kubectl's default field validation is Strict), unless x-kubernetes-preserve-unknown-fields:
 * so every object schema with properties gets additionalProperties: false.
 */
function crdValidator(file: string): ReturnType<Ajv['compile']> {
  const strict = (node: any): any => {
    if (Array.isArray(node)) return node.map(strict);
    if (node === null || typeof node !== 'object') return node;
    const out: any = Object.fromEntries(Object.entries(node).map(([key, value]) => [key, strict(value)]));
    if (out.type === 'object' && out.properties && !out['x-kubernetes-preserve-unknown-fields'])
      out.additionalProperties ??= false;
    return out;
  };
  const ajv = new Ajv({ allErrors: true, strict: false });
  ajv.addKeyword('x-kubernetes-preserve-unknown-fields');
  return ajv.compile(strict(JSON.parse(readFileSync(join(FIXTURES, file), 'utf8'))));
}

const CRDS: Record<string, string> = {
  'clickhouse.altinity.com/v1/ClickHouseInstallation': 'clickhouseinstallation.v1.schema.json',
  'clickhouse-keeper.altinity.com/v1/ClickHouseKeeperInstallation': 'clickhousekeeperinstallation.v1.schema.json',
};

/** Port -> who may reach it, from a NetworkPolicy's ingress rules. */
function access(policy: K8sObject): Map<number, Peer[]> {
  const ports = new Map<number, Peer[]>();
  for (const rule of policy.spec.ingress as IngressRule[]) {
    expect(rule.ports?.length).toBeGreaterThan(0); // no rule opens every port
    expect(rule.from?.length).toBeGreaterThan(0); // nor admits everyone
    for (const { port } of rule.ports!) ports.set(port, [...(ports.get(port) ?? []), ...rule.from!]);
  }
  return ports;
}

const OPERATOR: Peer = {
  namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
  podSelector: { matchLabels: { app: 'clickhouse-operator' } },
};

const OVERLAY_CASES = [
  { overlay: 'single', records: '400d', content: '30d', cluster: undefined },
  { overlay: 'cluster', records: '730d', content: '90d', cluster: 'ai-audit' },
];

(KUBECTL ? describe : describe.skip).each(OVERLAY_CASES)('deploy/kubernetes/overlays/$overlay', (expected) => {
  const { overlay } = expected;
  let docs: K8sObject[];
  const find = (kind: string, name: string): K8sObject => {
    const found = docs.find((d) => d.kind === kind && d.metadata.name === name);
    if (!found) throw new Error(`${overlay}: no ${kind}/${name} in the rendered output`);
    return found;
  };
  const collectorSet = () => find('StatefulSet', 'ai-audit-collector');
  const collector = (): Container =>
    collectorSet().spec.template.spec.containers.find((c: Container) => c.name === 'collector');
  const templateLabels = (kind: string, name: string): Labels => find(kind, name).spec.template.metadata.labels;
  const configText = (container: Container): string => {
    const mount = container.volumeMounts!.find((m) => m.mountPath === configPath(container))!;
    const volume = collectorSet().spec.template.spec.volumes.find((v: { name: string }) => v.name === mount.name);
    return find('ConfigMap', volume.configMap.name).data[mount.subPath!];
  };
  const configPath = (container: Container): string => container.args![container.args!.indexOf('--config') + 1];

  beforeAll(() => {
    docs = render(overlay);
  });

  it('renders objects that are all valid: Kubernetes kinds (kubernetes-models), the operator resources (CRD schemas)', async () => {
    expect(docs.length).toBeGreaterThan(10);
    const kinds = new Set<string>();
    for (const doc of docs) {
      const id = `${doc.apiVersion}/${doc.kind}`;
      kinds.add(id);
      if (doc.kind === 'Namespace') expect(doc.metadata.name).toBe('ai-audit');
      else
        expect({ object: `${doc.kind}/${doc.metadata.name}`, namespace: doc.metadata.namespace }).toEqual({
          object: `${doc.kind}/${doc.metadata.name}`,
          namespace: 'ai-audit',
        });
      if (CRDS[id]) {
        const check = crdValidator(CRDS[id]);
        expect({ object: `${doc.kind}/${doc.metadata.name}`, errors: check(doc) ? [] : check.errors }).toEqual({
          object: `${doc.kind}/${doc.metadata.name}`,
          errors: [],
        });
        // The pod and volume templates are preserve-unknown-fields in the CRD: they are a
        // PodSpec and a PersistentVolumeClaimSpec, checked as such.
        for (const template of doc.spec.templates.podTemplates) await validateModel('v1', 'PodSpec', template.spec);
        for (const template of doc.spec.templates.volumeClaimTemplates)
          await validateModel('v1', 'PersistentVolumeClaimSpec', template.spec);
      } else {
        // kubernetes-models throws on a schema violation (types, required fields, enums).
        await validateModel(doc.apiVersion, doc.kind, doc).catch((error: Error) => {
          throw new Error(`${doc.kind}/${doc.metadata.name}: ${error.message}`);
        });
      }
    }
    expect([...kinds].sort()).toEqual(
      expect.arrayContaining([
        'apps/v1/Deployment',
        'apps/v1/StatefulSet',
        'autoscaling/v2/HorizontalPodAutoscaler',
        'networking.k8s.io/v1/NetworkPolicy',
        'policy/v1/PodDisruptionBudget',
        'v1/ConfigMap',
        'v1/Namespace',
        'v1/Service',
      ]),
    );
  });

  it("passes the retention set in the overlay's kustomization.yaml to the collector: ai-audit validate accepts the config with the pod's environment", () => {
    // What the user edits: the overlay's configMapGenerator (values differ between overlays).
    expect(generated(overlay, 'ai-audit-retention')).toEqual({
      AI_AUDIT_RETENTION_RECORDS: expected.records,
      AI_AUDIT_RETENTION_CONTENT: expected.content,
    });
    const container = collector();
    const env = containerEnv(container, docs);
    expect(env).toMatchObject({
      AI_AUDIT_RETENTION_RECORDS: expected.records,
      AI_AUDIT_RETENTION_CONTENT: expected.content,
    });
    const result = validate(configText(container), env);
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
    const exporter = result.json.exporters.clickhouse;
    expect(exporter.retention).toEqual({ records: days(expected.records), content: days(expected.content) });
    expect(exporter.cluster).toBe(expected.cluster);
    expect(exporter.endpoint).toBe(env.AI_AUDIT_CLICKHOUSE_ENDPOINT);

    // The write-ahead log and the join journal are on the pod's own volume.
    const data = container.volumeMounts!.find((m) =>
      collectorSet().spec.volumeClaimTemplates.some((t: K8sObject) => t.metadata.name === m.name),
    )!;
    expect(data.mountPath).toBe('/var/lib/ai-audit');
    expect(exporter.wal.directory.startsWith(`${data.mountPath}/`)).toBe(true);
    expect(result.json.processors.join.directory.startsWith(`${data.mountPath}/`)).toBe(true);

    // Probes on the health_check extension, ports as the config listens.
    const port = (name: string) => container.ports!.find((p) => p.name === name)!.containerPort;
    const health = result.json.extensions.health_check;
    expect(health.endpoint).toBe(`0.0.0.0:${port('health')}`);
    expect(container.readinessProbe.httpGet.path).toBe(health.path);
    expect(container.livenessProbe.httpGet.path).toBe(`${health.path}/live`);
    expect(result.json.service.telemetry.metrics.address).toBe(`0.0.0.0:${port('metrics')}`);
    expect(result.json.receivers.otlp.protocols.grpc.endpoint).toBe(`0.0.0.0:${port('otlp-grpc')}`);
    expect(result.json.receivers.otlp.protocols.http.endpoint).toBe(`0.0.0.0:${port('otlp-http')}`);
  });

  it('checks the config in an init container with the same image, environment and config as the collector', () => {
    const spec = collectorSet().spec.template.spec;
    const init = (spec.initContainers as Container[]).find((c) => /validate/.test(c.name))!;
    const main = collector();
    expect(init.image).toBe(main.image);
    expect(init.args).toEqual(['validate', '--config', configPath(main)]);
    expect(init.env).toEqual(main.env);
    expect(init.envFrom).toEqual(main.envFrom);
    expect(configText(init)).toBe(configText(main));
    expect(validate(configText(init), containerEnv(init, docs)).status).toBe(0);
  });

  it('scales the collector StatefulSet on CPU, and stops each pod gracefully', () => {
    const hpa = find('HorizontalPodAutoscaler', 'ai-audit-collector');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'ai-audit-collector' });
    expect({ min: hpa.spec.minReplicas, max: hpa.spec.maxReplicas }).toEqual({ min: 2, max: 10 });
    expect(hpa.spec.metrics).toEqual([
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
    ]);
    // The autoscaler owns the count; a `replicas` in the manifest would reset it on every apply.
    expect(collectorSet().spec.replicas).toBeUndefined();
    expect(collector().resources.requests.cpu).toBeDefined();

    // preStop first (the pod leaves the endpoints), then SIGTERM and the shutdown; the grace
    // period counts from preStop and must cover both.
    const main = collector();
    const command = main.lifecycle.preStop.exec.command as string[];
    expect(command[0]).toBe('sleep');
    const sleep = Number(command[1]);
    expect(sleep).toBeGreaterThan(0);
    const flag = main.args!.indexOf('--shutdown-timeout');
    const timeout = flag < 0 ? 30 : Number(/^(\d+)s$/.exec(main.args![flag + 1])?.[1]); // the CLI's default: 30s
    expect(timeout).toBe(30);
    expect(collectorSet().spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThan(sleep + timeout);
  });

  it('lets only OTLP clients and Prometheus reach the collectors', () => {
    const policy = find('NetworkPolicy', 'ai-audit-collector');
    expect(policy.spec.policyTypes).toEqual(['Ingress']);
    expect(selects(policy.spec.podSelector.matchLabels, templateLabels('StatefulSet', 'ai-audit-collector'))).toBe(
      true,
    );
    const ports = access(policy);
    expect([...ports.keys()].sort()).toEqual([4317, 4318, 8888]);
    for (const otlp of [4317, 4318]) expect(ports.get(otlp)).toEqual([{ namespaceSelector: {} }]);
    const [prometheus] = ports.get(8888)!;
    expect(ports.get(8888)).toHaveLength(1);
    expect(prometheus.namespaceSelector).toBeUndefined();
    expect(selects(prometheus.podSelector!.matchLabels, templateLabels('Deployment', 'prometheus'))).toBe(true);
    expect(selects(prometheus.podSelector!.matchLabels, templateLabels('Deployment', 'grafana'))).toBe(false);
    // No other policy admits anything to the collectors' pods.
    const others = docs.filter(
      (d) =>
        d.kind === 'NetworkPolicy' &&
        d !== policy &&
        selects(d.spec.podSelector.matchLabels, templateLabels('StatefulSet', 'ai-audit-collector')),
    );
    expect(others).toEqual([]);
  });

  it('lets only the collectors, Grafana (HTTP) and the store itself reach ClickHouse and Keeper', () => {
    const policy = find('NetworkPolicy', 'clickhouse');
    expect(policy.spec.policyTypes).toEqual(['Ingress']);
    const ports = access(policy);
    const who = (port: number): string[] =>
      (ports.get(port) ?? [])
        .map((peer) => {
          if (peer.namespaceSelector) return JSON.stringify(peer) === JSON.stringify(OPERATOR) ? 'operator' : 'other';
          const labels = peer.podSelector!.matchLabels;
          if (selects(labels, templateLabels('StatefulSet', 'ai-audit-collector'))) return 'collector';
          if (selects(labels, templateLabels('Deployment', 'grafana'))) return 'grafana';
          if (JSON.stringify(labels) === JSON.stringify(policy.spec.podSelector.matchLabels)) return 'clickhouse';
          return 'other';
        })
        .sort();
    if (overlay === 'single') {
      expect(selects(policy.spec.podSelector.matchLabels, templateLabels('StatefulSet', 'clickhouse'))).toBe(true);
      expect(Object.fromEntries([...ports.keys()].sort().map((p) => [p, who(p)]))).toEqual({
        8123: ['collector', 'grafana'],
        8443: ['collector', 'grafana'],
        9000: ['collector'],
        9440: ['collector'],
      });
    } else {
      const chi = find('ClickHouseInstallation', 'ai-audit');
      expect(policy.spec.podSelector.matchLabels).toEqual({ 'clickhouse.altinity.com/chi': chi.metadata.name });
      expect(Object.fromEntries([...ports.keys()].sort().map((p) => [p, who(p)]))).toEqual({
        8123: ['collector', 'grafana', 'operator'],
        8443: ['collector', 'grafana', 'operator'],
        9000: ['clickhouse', 'collector'],
        9009: ['clickhouse'],
        9440: ['clickhouse', 'collector'],
      });
      const keeper = find('NetworkPolicy', 'clickhouse-keeper');
      const chk = find('ClickHouseKeeperInstallation', 'ai-audit');
      expect(keeper.spec.podSelector.matchLabels).toEqual({ 'clickhouse-keeper.altinity.com/chk': chk.metadata.name });
      const keeperPorts = access(keeper);
      const keeperWho = (port: number) =>
        keeperPorts
          .get(port)!
          .map((peer) =>
            JSON.stringify(peer) === JSON.stringify(OPERATOR)
              ? 'operator'
              : JSON.stringify(peer.podSelector?.matchLabels) === JSON.stringify(keeper.spec.podSelector.matchLabels)
                ? 'keeper'
                : JSON.stringify(peer.podSelector?.matchLabels) === JSON.stringify(policy.spec.podSelector.matchLabels)
                  ? 'clickhouse'
                  : 'other',
          )
          .sort();
      expect(Object.fromEntries([...keeperPorts.keys()].sort().map((p) => [p, keeperWho(p)]))).toEqual({
        2181: ['clickhouse', 'keeper', 'operator'],
        9234: ['keeper'],
        9444: ['keeper'],
      });
    }
  });

  it('runs ClickHouse as the overlay says, with PodDisruptionBudgets, where the collectors and Grafana look for it', () => {
    const store = generated(overlay, 'ai-audit-clickhouse');
    const endpoint = new URL(store.AI_AUDIT_CLICKHOUSE_ENDPOINT);
    expect(endpoint.hostname).toBe(store.AI_AUDIT_CLICKHOUSE_HOST);
    expect(endpoint.port).toBe(store.AI_AUDIT_CLICKHOUSE_PORT);
    expect(store.AI_AUDIT_CLICKHOUSE_SECURE).toBe(endpoint.protocol === 'https:' ? 'true' : 'false');
    // Grafana gets its datasource's ClickHouse address from the same ConfigMap.
    const grafana = find('Deployment', 'grafana').spec.template.spec.containers[0] as Container;
    const grafanaEnv = containerEnv(grafana, docs);
    const datasources = readFileSync(join(DEPLOY, 'grafana/provisioning/datasources/ai-audit.yaml'), 'utf8');
    const needed = [...datasources.matchAll(/\$\{([A-Z_]+)\}/g)].map((m) => m[1]);
    expect(needed.filter((name) => !(name in grafanaEnv))).toEqual([]);
    expect(grafanaEnv.AI_AUDIT_CLICKHOUSE_HOST).toBe(endpoint.hostname);

    const pdb = (name: string) => find('PodDisruptionBudget', name);
    expect(
      selects(pdb('ai-audit-collector').spec.selector.matchLabels, templateLabels('StatefulSet', 'ai-audit-collector')),
    ).toBe(true);
    const image = /^clickhouse\/clickhouse-(server|keeper):\d+\.\d+(\.\d+)*$/;

    if (overlay === 'single') {
      const server = find('StatefulSet', 'clickhouse');
      expect(server.spec.replicas).toBe(1);
      expect(server.spec.template.spec.containers[0].image).toMatch(image);
      expect(server.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBeDefined();
      const service = find('Service', endpoint.hostname);
      expect(selects(service.spec.selector, server.spec.template.metadata.labels)).toBe(true);
      expect(service.spec.ports.map((p: { port: number }) => p.port)).toEqual([8123, 9000]);
      expect(selects(pdb('clickhouse').spec.selector.matchLabels, server.spec.template.metadata.labels)).toBe(true);
      // The access scripts (deploy/clickhouse/) run at first start, with the secrets' passwords.
      const initdb = server.spec.template.spec.volumes.find((v: any) => v.name === 'init').configMap;
      expect(Object.keys(find('ConfigMap', initdb.name).data).sort()).toEqual([
        '01-access.sql',
        '02-users.sh',
        'tenant.sql.tmpl',
      ]);
      const serverEnv = containerEnv(server.spec.template.spec.containers[0], docs);
      for (const name of [
        'AI_AUDIT_CLICKHOUSE_PASSWORD',
        'AI_AUDIT_GRAFANA_CLICKHOUSE_PASSWORD',
        'AI_AUDIT_READER_TENANTS',
      ])
        expect(serverEnv[name]).toBeDefined();
      expect(docs.some((d) => d.apiVersion.includes('altinity'))).toBe(false);
    } else {
      const chi = find('ClickHouseInstallation', 'ai-audit');
      const chk = find('ClickHouseKeeperInstallation', 'ai-audit');
      const [cluster] = chi.spec.configuration.clusters;
      expect(chi.spec.configuration.clusters).toHaveLength(1);
      expect(cluster.name).toBe('ai-audit');
      expect(cluster.name).toBe(store.AI_AUDIT_CLICKHOUSE_CLUSTER);
      expect(cluster.layout).toEqual({ shardsCount: 2, replicasCount: 2 });
      expect(chk.spec.configuration.clusters).toHaveLength(1);
      expect(chk.spec.configuration.clusters[0].layout).toEqual({ replicasCount: 3 });
      // The operator's Services: clickhouse-<chi> (every replica), keeper-<chk> (2181).
      expect(endpoint.hostname).toBe(`clickhouse-${chi.metadata.name}`);
      expect(chi.spec.configuration.zookeeper.nodes).toEqual([{ host: `keeper-${chk.metadata.name}`, port: 2181 }]);
      for (const installation of [chi, chk]) {
        const { podTemplate, dataVolumeClaimTemplate } = installation.spec.defaults.templates;
        const pod = installation.spec.templates.podTemplates.find((t: { name: string }) => t.name === podTemplate);
        for (const container of pod.spec.containers) expect(container.image).toMatch(image);
        const volume = installation.spec.templates.volumeClaimTemplates.find(
          (t: { name: string }) => t.name === dataVolumeClaimTemplate,
        );
        expect(volume.spec.resources.requests.storage).toBeDefined();
        // Ours, not the operator's: two PDBs on one pod make evictions fail.
        expect(installation.spec.configuration.clusters[0].pdbManaged).toBe('no');
      }
      // Our PDBs select the labels the operator gives the pods of each installation's cluster.
      expect(pdb('clickhouse').spec).toEqual({
        selector: {
          matchLabels: {
            'clickhouse.altinity.com/app': 'chop',
            'clickhouse.altinity.com/chi': chi.metadata.name,
            'clickhouse.altinity.com/cluster': cluster.name,
          },
        },
        maxUnavailable: 1,
      });
      expect(pdb('clickhouse-keeper').spec).toEqual({
        selector: {
          matchLabels: {
            'clickhouse-keeper.altinity.com/app': 'chop',
            'clickhouse-keeper.altinity.com/chk': chk.metadata.name,
            'clickhouse-keeper.altinity.com/cluster': chk.spec.configuration.clusters[0].name,
          },
        },
        maxUnavailable: 1,
      });
    }
  });
});

describe('deploy/otel-config.cluster.yaml', () => {
  it('is otel-config.production.yaml plus exporters.clickhouse.cluster', () => {
    const production = parse(readFileSync(join(DEPLOY, 'otel-config.production.yaml'), 'utf8'));
    const cluster = parse(readFileSync(join(DEPLOY, 'otel-config.cluster.yaml'), 'utf8'));
    expect(cluster.exporters.clickhouse.cluster).toBe('${env:AI_AUDIT_CLICKHOUSE_CLUSTER}');
    delete cluster.exporters.clickhouse.cluster;
    expect(cluster).toEqual(production);
  });
});
