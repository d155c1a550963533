import { readFileSync } from 'node:fs';
import type { SecureContextOptions, TlsOptions } from 'node:tls';
import { ConfigError } from '../../config/errors';
import { resolveConfigPath } from '../../config/load';
import type { ListenerConfig, LoadedConfig, TlsConfig } from '../../config/types';
import type { Logger } from '../../telemetry/logger';
import { splitEndpoint } from '../../component/listen';

/**
 * TLS 1.2 suites with forward secrecy and AEAD only: ECDHE key exchange with AES-GCM or
 * ChaCha20-Poly1305. Static-RSA suites (AES256-GCM-SHA384, ...) would let anyone who later
 * obtains the server key decrypt recorded traffic, and CBC suites have a history of
 * padding oracles. The TLS 1.3 suites are named too: Node turns TLS 1.3 off when a cipher
 * list names none.
 */
const CIPHERS = [
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'TLS_AES_128_GCM_SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
].join(':');

/** Node TLS server options from a receiver's `tls` section (files read once, at start). */
export function tlsServerOptions(
  tls: TlsConfig,
  loaded: Pick<LoadedConfig, 'dir'>,
  path: string,
): TlsOptions & SecureContextOptions {
  const read = (file: string, key: string): Buffer => {
    try {
      return readFileSync(resolveConfigPath(loaded, file));
    } catch (error) {
      throw new ConfigError(
        `${path}.tls.${key}`,
        `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`,
      );
    }
  };
  const mutual = tls.client_ca_file !== undefined;
  return {
    cert: read(tls.cert_file, 'cert_file'),
    key: read(tls.key_file, 'key_file'),
    ca: mutual ? read(tls.client_ca_file as string, 'client_ca_file') : undefined,
    minVersion: tls.min_version === '1.3' ? 'TLSv1.3' : 'TLSv1.2',
    ciphers: CIPHERS,
    honorCipherOrder: true,
    requestCert: mutual,
    rejectUnauthorized: mutual,
  };
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|::1|::ffff:127(\.\d{1,3}){3})$/i;

/**
 * Plain text only on loopback: spans carry prompts and credentials. Anything else needs
 * TLS, or `insecure: true`, which is said out loud at every start.
 */
export function checkTransport(listener: ListenerConfig, path: string, logger: Logger): void {
  if (listener.tls) return;
  const { host } = splitEndpoint(listener.endpoint);
  if (LOOPBACK.test(host)) return;
  if (!listener.insecure) {
    throw new ConfigError(
      path,
      `plain-text listening on ${listener.endpoint} is refused; configure tls (cert_file, key_file) or set insecure: true`,
    );
  }
  logger.warn(
    `INSECURE: ${path} listens on ${listener.endpoint} without TLS; spans (prompts, tokens) cross the network in clear`,
  );
}
