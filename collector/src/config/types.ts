/**
 * The validated configuration, as collector/schemas/config.schema.json and the components' schemas
 * describe it, after defaults are applied. Durations are milliseconds and sizes bytes: the
 * loader converts what people write ("30d", "16MiB") once (config/validate.ts, `unit`).
 * test/unit/config-types.test.ts keeps these types and the schemas in step.
 */

/** Milliseconds (written "30s", "1h30m", "90d" in the file). */
export type Duration = number;
/** Bytes (written 1048576, "16MiB", "512KB" in the file). */
export type Size = number;

export interface TlsConfig {
  cert_file: string;
  key_file: string;
  client_ca_file?: string;
  min_version: '1.2' | '1.3';
}

/** What both OTLP protocols share: where they listen and how securely. */
export interface ListenerConfig {
  endpoint: string;
  tls?: TlsConfig;
  insecure: boolean;
}

export interface GrpcProtocolConfig extends ListenerConfig {
  max_recv_msg_size_mib: number;
}

export interface HttpProtocolConfig extends ListenerConfig {
  max_request_body_size: Size;
}

export interface AuthConfig {
  tokens: { tenant: string; sha256: string }[];
  client_certificates: boolean;
  anonymous_tenant?: string;
}

export interface OtlpLimitsConfig {
  max_spans_per_request: number;
  max_attributes_per_span: number;
  max_events_per_span: number;
  max_attribute_value_length: Size;
  max_value_depth: number;
  max_inflight_size: Size;
  max_connections: number;
  handshake_timeout: Duration;
  idle_timeout: Duration;
  request_timeout: Duration;
  keepalive_time: Duration;
}

export interface OtlpReceiverConfig {
  protocols: { grpc?: GrpcProtocolConfig; http?: HttpProtocolConfig };
  limits: OtlpLimitsConfig;
  auth?: AuthConfig;
  rate_limit?: { spans_per_second: number; burst?: number };
}

export interface NormalizeProcessorConfig {
  exclude_attributes: string[];
  keep_attributes: string[];
}

export interface JoinProcessorConfig {
  wait: Duration;
  span_wait: Duration;
  max_held: number;
  directory: string;
  max_size: Size;
}

export interface AwsKmsConfig {
  key_id?: string;
  hmac_key_id?: string;
  region?: string;
  endpoint?: string;
}

export interface VaultTransitConfig {
  address?: string;
  token?: string;
  namespace?: string;
  mount: string;
  key: string;
  hmac_key?: string;
  timeout: Duration;
}

/** Where the ledger's signing keys live (docs/architecture.md, "Ledger"); apart from content keys. */
export interface SigningConfig {
  provider: 'local' | 'aws-kms' | 'vault-transit';
  local: { key_file: string };
  /** An asymmetric ECC_NIST_P256 SIGN_VERIFY key; region and endpoint come from keys.aws_kms. */
  aws_kms?: { key_id?: string };
  /** A transit key of type ed25519; address and token come from keys.vault_transit. */
  vault_transit?: { key?: string };
}

export interface KeysConfig {
  provider: 'local' | 'env' | 'aws-kms' | 'vault-transit';
  local: { keyring_file: string };
  signing: SigningConfig;
  env: { variable: string; hash_key_variable: string };
  aws_kms?: AwsKmsConfig;
  vault_transit?: VaultTransitConfig;
}

export interface ProtectProcessorConfig {
  content: 'encrypt' | 'hash_only' | 'drop';
  hash: { algorithm: 'hmac-sha256' | 'sha256' };
  keys: KeysConfig;
  data_keys: { max_age: Duration; max_uses: number; cache_size: number };
  erasure: { metadata: 'pseudonymize' | 'delete' | 'keep' };
}

export interface ClickHouseExporterConfig {
  endpoint: string;
  username?: string;
  password?: string;
  database: string;
  /** A ClickHouse cluster name: cluster mode (docs/architecture.md, "Cluster mode"). */
  cluster?: string;
  retention: { records: Duration; content: Duration };
  batch: { max_rows: number; flush_interval: Duration };
  timeout: Duration;
  retry: { initial_interval: Duration; max_interval: Duration };
  wal: { directory: string; max_size: Size; segment_size: Size };
  ledger: { sign_interval: Duration; digest_directory?: string };
  /** The budget of one `ai-audit sql` query (see collector/src/query/budget.ts). */
  query: { max_memory: Size; max_time: Duration };
}

export interface HealthCheckExtensionConfig {
  endpoint: string;
  path: string;
}

export interface PipelineConfig {
  receivers: string[];
  processors: string[];
  exporters: string[];
}

export interface ServiceConfig {
  extensions: string[];
  pipelines: Record<string, PipelineConfig>;
  telemetry: {
    logs: { level: 'debug' | 'info' | 'warn' | 'error'; encoding: 'json' | 'console' | 'auto' };
    metrics: { address?: string };
  };
}

/** Components are keyed by id: `type` or `type/name`. */
export interface CollectorConfig {
  receivers: Record<string, unknown>;
  processors: Record<string, unknown>;
  exporters: Record<string, unknown>;
  extensions: Record<string, unknown>;
  service: ServiceConfig;
}

/** A loaded configuration and where it came from (relative paths resolve against `dir`). */
export interface LoadedConfig {
  file: string;
  dir: string;
  config: CollectorConfig;
}

/** `otlp/internal` → `otlp`. */
export function componentType(id: string): string {
  const slash = id.indexOf('/');
  return slash === -1 ? id : id.slice(0, slash);
}
