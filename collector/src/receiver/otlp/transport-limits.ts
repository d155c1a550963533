import type { OtlpLimitsConfig } from '../../config/types';
import { parseDuration } from '../../config/units';

/** Connection and timing limits, the same numbers for the gRPC and the HTTP listener. */
export interface TransportLimits {
  maxConnections: number;
  handshakeTimeoutMs: number;
  idleTimeoutMs: number;
  requestTimeoutMs: number;
  keepaliveMs: number;
}

export function transportLimits(limits: OtlpLimitsConfig): TransportLimits {
  return {
    maxConnections: limits.max_connections,
    handshakeTimeoutMs: parseDuration(limits.handshake_timeout) as number,
    idleTimeoutMs: parseDuration(limits.idle_timeout) as number,
    requestTimeoutMs: parseDuration(limits.request_timeout) as number,
    keepaliveMs: parseDuration(limits.keepalive_time) as number,
  };
}
