import { pipelineSection } from '../config/pipeline-section';
import type { KeysConfig, LoadedConfig, ProtectProcessorConfig, SigningConfig } from '../config/types';

/** Signing with the defaults, for a pipeline that has no protect processor to configure it. */
const DEFAULT_SIGNING: SigningConfig = { provider: 'local', local: { key_file: './data/signing-keys.json' } };

/**
 * The ledger's signing configuration: `keys.signing` of the protect processor in the
 * pipeline of `besideId` (the exporter that writes the ledger), with the keys section it
 * takes its KMS or Vault connection from.
 */
export function signingConfigOf(
  loaded: LoadedConfig,
  besideId?: string,
): { signing: SigningConfig; keys: Partial<KeysConfig> } {
  const protect = pipelineSection(loaded, 'processors', 'protect', besideId).config as
    ProtectProcessorConfig | undefined;
  return protect ? { signing: protect.keys.signing, keys: protect.keys } : { signing: DEFAULT_SIGNING, keys: {} };
}
