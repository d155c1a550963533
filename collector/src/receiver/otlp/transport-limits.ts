import type { OtlpLimitsConfig } from '../../config/types';

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
    handshakeTimeoutMs: limits.handshake_timeout,
    idleTimeoutMs: limits.idle_timeout,
    requestTimeoutMs: limits.request_timeout,
    keepaliveMs: limits.keepalive_time,
  };
}
