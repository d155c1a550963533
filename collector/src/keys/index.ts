import { resolveConfigPath } from '../config/load';
import type { KeysConfig, LoadedConfig } from '../config/types';
import { ConfigError } from '../config/errors';
import type { Logger } from '../telemetry/logger';
import { EnvKeyProvider } from './env';
import { LocalKeyProvider } from './local';
import type { KeyProvider } from './provider';

export { KeyProviderError, type KeyProvider, type WrappedKey, type KekVersion } from './provider';

/** The provider `keys.provider` names, configured from its own section. */
export function createKeyProvider(
  config: KeysConfig,
  loaded: Pick<LoadedConfig, 'dir'>,
  logger: Logger,
  env: NodeJS.ProcessEnv = process.env,
): KeyProvider {
  switch (config.provider) {
    case 'local':
      return new LocalKeyProvider(resolveConfigPath(loaded, config.local.keyring_file), logger);
    case 'env':
      return new EnvKeyProvider(config.env.variable, config.env.hash_key_variable, env);
    case 'aws-kms':
      if (!config.aws_kms?.key_id || !config.aws_kms.hmac_key_id) {
        throw new ConfigError(
          'processors.protect.keys.aws_kms',
          'key_id and hmac_key_id are required when keys.provider is aws-kms',
        );
      }
      // Loaded on demand: the AWS SDK costs ~120 ms at every start of every command.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      return new (require('./aws-kms') as typeof import('./aws-kms')).AwsKmsKeyProvider(config.aws_kms);
    case 'vault-transit':
      if (!config.vault_transit)
        throw new ConfigError(
          'processors.protect.keys.vault_transit',
          'is required when keys.provider is vault-transit',
        );
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- on demand, as above
      return new (require('./vault-transit') as typeof import('./vault-transit')).VaultTransitKeyProvider(
        config.vault_transit,
        env,
      );
  }
}
