import type { Socket } from 'node:net';

export interface ConnectionLimits {
  /** Open connections at most; beyond it the oldest unproven connection makes room, or the new one is closed. */
  maxConnections: number;
  /** Time a new connection gets to carry an authenticated request (TLS, HTTP/2 preface and headers included). */
  handshakeTimeoutMs: number;
  /** TCP keepalive probes after this much silence, so dead peers do not hold a slot. */
  keepaliveMs: number;
}

interface Tracked {
  socket: Socket;
  timer: NodeJS.Timeout | undefined;
}

/**
 * The connections of one listener, so that sockets which never prove themselves cannot
 * use up file descriptors. A connection is "proven" once it carries an authenticated
 * request; until then it is closed after `handshakeTimeoutMs` (idle, slow TLS, no
 * HTTP/2 preface, wrong credentials only), and at the cap the oldest unproven connection
 * is closed to make room for a new one. Proven connections are never evicted: they are
 * closed by the protocol's idle timeout instead. So a flood of idle or unauthenticated
 * connections holds at most `maxConnections` descriptors for at most the handshake
 * timeout, and a real client still gets in.
 */
export class ConnectionGuard {
  /** Insertion order is age order: the first unproven entry is the oldest. */
  private readonly unproven = new Map<string, Tracked>();
  private readonly proven = new Map<string, Socket>();

  constructor(private readonly limits: ConnectionLimits) {}

  get size(): number {
    return this.unproven.size + this.proven.size;
  }

  /** Takes a newly accepted socket in, or closes it when every slot is held by proven connections. */
  accept(socket: Socket): void {
    if (socket.remoteAddress === undefined) {
      // Already gone (reset before it was accepted).
      socket.destroy();
      return;
    }
    const key = keyOf(socket.remoteAddress, socket.remotePort);
    if (this.size >= this.limits.maxConnections) {
      const oldest = this.unproven.values().next().value;
      if (!oldest) {
        socket.destroy();
        return;
      }
      oldest.socket.destroy();
      this.forget(keyOf(oldest.socket.remoteAddress, oldest.socket.remotePort));
    }
    socket.setKeepAlive(true, this.limits.keepaliveMs);
    const timer = setTimeout(() => socket.destroy(), this.limits.handshakeTimeoutMs);
    timer.unref();
    this.unproven.set(key, { socket, timer });
    socket.once('close', () => this.forget(key));
  }

  /** Marks the connection from this peer address and port as having carried an authenticated request. */
  prove(remoteAddress: string | undefined, remotePort: number | undefined): void {
    const key = keyOf(remoteAddress, remotePort);
    const tracked = this.unproven.get(key);
    if (!tracked) return;
    clearTimeout(tracked.timer);
    this.unproven.delete(key);
    this.proven.set(key, tracked.socket);
  }

  closeAll(): void {
    for (const { socket } of this.unproven.values()) socket.destroy();
    for (const socket of this.proven.values()) socket.destroy();
  }

  private forget(key: string): void {
    const tracked = this.unproven.get(key);
    if (tracked) clearTimeout(tracked.timer);
    this.unproven.delete(key);
    this.proven.delete(key);
  }
}

function keyOf(address: string | undefined, port: number | undefined): string {
  return `${address ?? '?'}|${port ?? '?'}`;
}
