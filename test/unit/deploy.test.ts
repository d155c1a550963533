import { components } from '../../collector/src/components';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments, parse } from 'yaml';
import { parseConfigText } from '../../collector/src/config';
import type { OtlpReceiverConfig } from '../../collector/src/config';

const DEPLOY = join(__dirname, '../../deploy');
const PRODUCTION = readFileSync(join(DEPLOY, 'otel-config.production.yaml'), 'utf8');
const SECRETS = {
  AI_AUDIT_TOKEN_SHA256: 'a'.repeat(64),
  AI_AUDIT_CLICKHOUSE_PASSWORD: 'pw',
  AI_AUDIT_KMS_KEY_ID: 'arn:k',
  AI_AUDIT_KMS_HMAC_KEY_ID: 'arn:h',
};

/** Variables the config needs that have no default: what a deployment must provide. */
const required = (text: string): string[] => [...text.matchAll(/\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((m) => m[1]);

describe('deploy/: the production configuration', () => {
  it('is valid, and requires TLS and credentials on every receiver', () => {
    const config = parseConfigText(PRODUCTION, 'otel-config.production.yaml', components, SECRETS);
    const otlp = config.receivers.otlp as OtlpReceiverConfig;
    expect(otlp.protocols.grpc?.tls).toBeDefined();
    expect(otlp.protocols.http?.tls).toBeDefined();
    expect(otlp.protocols.grpc?.insecure).toBe(false);
    expect(otlp.auth?.tokens).toEqual([{ tenant: 'default', sha256: 'a'.repeat(64) }]);
    expect(otlp.auth?.anonymous_tenant).toBeUndefined();
    expect(config.service.pipelines.traces.processors.at(-1)).toBe('protect');
  });

  it('refuses to start without a token hash: there is no anonymous default', () => {
    expect(() => parseConfigText(PRODUCTION, 'p.yaml', components, { ...SECRETS, AI_AUDIT_TOKEN_SHA256: '' })).toThrow(
      'environment variable AI_AUDIT_TOKEN_SHA256 is not set',
    );
  });
});

describe('deploy/: manifests', () => {
  const kustomization = parse(readFileSync(join(DEPLOY, 'kustomization.yaml'), 'utf8'));
  const docs = (kustomization.resources as string[]).flatMap((file) => {
    expect(existsSync(join(DEPLOY, file))).toBe(true);
    return parseAllDocuments(readFileSync(join(DEPLOY, file), 'utf8')).map((d) => d.toJS());
  });
  const statefulSet = docs.find((d) => d.kind === 'StatefulSet');
  const container = statefulSet.spec.template.spec.containers[0];
  const production = parseConfigText(PRODUCTION, 'p.yaml', components, SECRETS);

  it('mounts the production config from the generated ConfigMap', () => {
    expect(kustomization.configMapGenerator[0].files).toEqual(['otel-config.yaml=otel-config.production.yaml']);
    const mount = container.volumeMounts.find((m: { name: string }) => m.name === 'config');
    expect(mount).toEqual({ name: 'config', mountPath: '/etc/ai-audit/otel-config.yaml', subPath: 'otel-config.yaml' });
    expect(container.args).toEqual(['start', '--config', '/etc/ai-audit/otel-config.yaml']);
  });

  it('sets retention from the manifest and probes the health_check extension', () => {
    const env = Object.fromEntries(container.env.map((e: { name: string; value: string }) => [e.name, e.value]));
    expect(env).toMatchObject({
      AI_AUDIT_RETENTION_RECORDS: expect.stringMatching(/^\d+d$/),
      AI_AUDIT_RETENTION_CONTENT: expect.stringMatching(/^\d+d$/),
    });
    const health = production.extensions.health_check as { endpoint: string; path: string };
    const port = container.ports.find((p: { name: string }) => p.name === 'health').containerPort;
    expect(health.endpoint).toBe(`0.0.0.0:${port}`);
    expect(container.readinessProbe.httpGet.path).toBe(health.path);
    expect(container.livenessProbe.httpGet.path).toBe(`${health.path}/live`);
    expect(statefulSet.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThan(30);
  });

  it('compose provides every variable the production config requires', () => {
    const compose = parse(readFileSync(join(DEPLOY, 'compose/docker-compose.yaml'), 'utf8'));
    const provided = Object.keys(compose.services.collector.environment);
    const needed = required(PRODUCTION).filter((name) => !name.startsWith('AI_AUDIT_KMS'));
    expect(needed.filter((name) => !provided.includes(name))).toEqual([]);
    expect(compose.services.collector.environment.AI_AUDIT_KEY_PROVIDER).toBe('env');
  });
});
