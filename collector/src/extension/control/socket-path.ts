import { closeSync, constants, existsSync, openSync } from 'node:fs';
import { basename, dirname } from 'node:path';

/** sockaddr_un.sun_path holds 108 bytes on Linux (104 on macOS and the BSDs), the final NUL included. */
const SUN_PATH_BYTES = process.platform === 'linux' ? 108 : 104;

/**
 * Where a collector serves its control socket: next to its write-ahead log, so a command
 * finds the collector of a config from the config alone (the embedded engine admits one
 * process per data path, and erase/rotate must drain the collector's log first).
 */
export function controlSocketPath(walDir: string): string {
  return `${walDir}.sock`;
}

/** The write-ahead log directory whose control socket `socketPath` is. */
export function walDirOfSocket(socketPath: string): string {
  return socketPath.slice(0, -'.sock'.length);
}

/**
 * Runs `use` with an address that bind()/connect() accept for `socketPath`. A path longer
 * than sun_path is never moved to a shared directory such as /tmp (anyone could take that
 * name first, and did: issue item 4). On Linux it is reached through the socket's own
 * directory opened here, `/proc/self/fd/<fd>/<name>`: the kernel resolves that link to the
 * directory itself, so the socket stays where the owner put it, under the same checks, and
 * only the string handed to bind()/connect() is short. Elsewhere, or when even the name
 * alone is too long, the command fails and names the setting to shorten. (Never hand a
 * long path to Node: libuv cuts it at sun_path's size and would reach another file.)
 */
export async function withSocketAddress<T>(socketPath: string, use: (address: string) => Promise<T>): Promise<T> {
  if (fits(socketPath)) return use(socketPath);
  const name = basename(socketPath);
  if (process.platform !== 'linux' || !existsSync('/proc/self/fd')) {
    throw new Error(
      `the control socket path ${socketPath} is longer than a Unix socket address allows (${SUN_PATH_BYTES - 1} bytes): set exporters.clickhouse.wal.directory to a shorter path`,
    );
  }
  const fd = openSync(dirname(socketPath), constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    const address = `/proc/self/fd/${fd}/${name}`;
    if (!fits(address))
      throw new Error(
        `the control socket name ${name} is too long for a Unix socket address: shorten the last part of exporters.clickhouse.wal.directory`,
      );
    return await use(address);
  } finally {
    closeSync(fd);
  }
}

function fits(path: string): boolean {
  return Buffer.byteLength(path) < SUN_PATH_BYTES;
}
