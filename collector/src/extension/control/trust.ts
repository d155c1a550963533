import { lstatSync, realpathSync, statSync, type Stats } from 'node:fs';
import { dirname } from 'node:path';
import { ControlRefusedError, ControlUnavailableError } from './errors';
import { walDirOfSocket } from './socket-path';

/** Who must be behind a control socket: the user that owns the write-ahead log, and where that log really is. */
export interface ExpectedPeer {
  uid: number;
  walDir: string;
}

/**
 * What a client checks before it connects, as ssh and gpg-agent do with their files: the
 * collector's user is the owner of its write-ahead log directory (the collector created
 * it). A caller other than that user must be root (others could not use a 0600 socket),
 * and root trusts another user's log only where that user could not have made it on their
 * own, i.e. not below a directory where every user may create entries (/tmp). The socket
 * must be a socket of that user nobody else may connect to, in directories nobody else
 * could have swapped it in. These checks give clear refusals early; the handshake's proof
 * (handshake.ts) is what rules out an impostor, also one that swaps the socket between
 * these checks and connect().
 */
export function checkSocketFile(socketPath: string): ExpectedPeer {
  const refuse = (reason: string): ControlRefusedError => new ControlRefusedError(socketPath, reason);
  const socket = lstatIfExists(socketPath);
  if (!socket) throw new ControlUnavailableError('no collector is running for this store');
  if (!socket.isSocket()) throw refuse('it is not a socket');
  const walPath = walDirOfSocket(socketPath);
  const walDir = realpathIfExists(walPath);
  if (!walDir || !statSync(walDir).isDirectory())
    throw refuse(`there is no write-ahead log directory ${walPath} beside it`);
  const uid = statSync(walDir).uid;
  const me = process.geteuid?.() ?? uid;
  if (uid !== me) {
    if (me !== 0)
      throw refuse(
        `the write-ahead log directory ${walPath} belongs to uid ${uid}: run the command as that user or as root`,
      );
    const shared = sharedAncestor(walDir);
    if (shared)
      throw refuse(
        `the write-ahead log directory ${walPath} belongs to uid ${uid} and lies below ${shared}, where every user may create it`,
      );
  }
  if (socket.uid !== uid) throw refuse(`owned by uid ${socket.uid}, expected ${uid} (the owner of ${walPath})`);
  if ((socket.mode & 0o077) !== 0)
    throw refuse(`its mode ${(socket.mode & 0o777).toString(8)} lets other users connect (expected 600)`);
  const socketDir = realpathSync(dirname(socketPath));
  if (everyoneWrites(lstatSync(socketDir))) throw refuse(`its directory ${socketDir} is writable by every user`);
  checkDirectories(socketPath, socketDir, uid);
  checkDirectories(socketPath, dirname(walDir), uid);
  return { uid, walDir };
}

/**
 * `dir` and every directory above it: owned by root or `uid`, and writable by all users
 * only with the sticky bit (then nobody else may rename or delete what is in it, as in
 * /tmp). Group-writable directories are accepted: Kubernetes makes a volume's root
 * group-writable for the pod's fsGroup, the group's members can already replace every
 * file of the store there, and an impostor they plant still fails the handshake's proof.
 */
function checkDirectories(socketPath: string, dir: string, uid: number): void {
  for (let current = dir; ; current = dirname(current)) {
    const stat = lstatSync(current);
    if (stat.uid !== 0 && stat.uid !== uid)
      throw new ControlRefusedError(
        socketPath,
        `the directory ${current} is owned by uid ${stat.uid}, expected ${uid} or root`,
      );
    if (everyoneWrites(stat) && (stat.mode & 0o1000) === 0)
      throw new ControlRefusedError(socketPath, `the directory ${current} is writable by every user and not sticky`);
    if (dirname(current) === current) return;
  }
}

/** The nearest directory above `dir` in which every user may create entries, if any. */
function sharedAncestor(dir: string): string | undefined {
  for (let current = dirname(dir); ; current = dirname(current)) {
    if (everyoneWrites(lstatSync(current))) return current;
    if (dirname(current) === current) return undefined;
  }
}

function everyoneWrites(stat: Stats): boolean {
  return (stat.mode & 0o002) !== 0;
}

function lstatIfExists(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function realpathIfExists(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
