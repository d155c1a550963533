'use strict';
/**
 * Child processes started by the benchmarks (scenario workers, collectors, senders, fake
 * services, apps). Each one is registered here and ended, by its own pid, if the benchmark
 * stops early (error, Ctrl-C, SIGTERM), so no collector is left holding a data directory:
 * on a signal the children get SIGTERM first (a scenario worker then ends its own children
 * the same way) and SIGKILL after a grace period; on any other exit, SIGKILL at once.
 */
const { spawn, fork } = require('node:child_process');

const live = new Set();
// The top process (no IPC channel) waits longer than the workers under it, so they can end theirs.
const GRACE_MS = process.send ? 2000 : 5000;

function track(child) {
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

/** child_process.spawn, tracked. */
function spawnTracked(command, args, options) {
  return track(spawn(command, args, options));
}

/** child_process.fork (with an IPC channel), tracked. */
function forkTracked(modulePath, args, options) {
  return track(fork(modulePath, args, options));
}

/** Resolves with the exit code once `child` has exited (at once if it already has). */
function exited(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** SIGTERM, then SIGKILL after `graceMs` if it is still there. */
async function stop(child, graceMs = 30_000) {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  const code = await exited(child);
  clearTimeout(timer);
  return code;
}

process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, async () => {
    const children = [...live];
    for (const child of children) child.kill('SIGTERM');
    const timeout = new Promise((resolve) => setTimeout(resolve, GRACE_MS).unref());
    await Promise.race([Promise.all(children.map(exited)), timeout]);
    process.exit(130); // the 'exit' handler kills whatever is left
  });
}

module.exports = { spawnTracked, forkTracked, exited, stop };
