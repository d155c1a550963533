import { components } from '../../collector/src/components';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
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

// The Kubernetes manifests (deploy/kubernetes/) are rendered and checked by
// test/integration/kubernetes-overlays.test.ts.
describe('deploy/: compose', () => {
  it('compose provides every variable the production config requires', () => {
    const compose = parse(readFileSync(join(DEPLOY, 'compose/docker-compose.yaml'), 'utf8'));
    const provided = Object.keys(compose.services.collector.environment);
    const needed = required(PRODUCTION).filter((name) => !name.startsWith('AI_AUDIT_KMS'));
    expect(needed.filter((name) => !provided.includes(name))).toEqual([]);
    expect(compose.services.collector.environment.AI_AUDIT_KEY_PROVIDER).toBe('env');
  });
});
