'use strict';
/**
 * CPU time and memory of another process, read from /proc (Linux), so the collector needs no
 * code to report them. Threads are grouped by the name the kernel shows for them: the main
 * thread (JavaScript, and whatever native code it calls synchronously); Node's other threads,
 * all named "node" on Node 20 (V8's garbage-collection and compiler workers, libuv's pool that
 * runs fs writes and fsync); and everything else, which in a collector on the embedded store
 * is ClickHouse (chDB) itself: its threads carry ClickHouse's names (ThreadPool, MergeMutate,
 * BgSchPool, ...).
 */
const fs = require('node:fs');

const TICKS_PER_SECOND = 100; // USER_HZ, 100 on every mainstream Linux build

/** utime + stime in microseconds from a /proc/.../stat line (fields 14 and 15). */
function cpuMicrosOfStat(stat) {
  // The command name (field 2) may contain spaces; it is wrapped in parentheses.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / TICKS_PER_SECOND;
}

/** Total CPU time of a process (all threads, living and exited) in microseconds. */
function processCpuMicros(pid) {
  return cpuMicrosOfStat(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
}

function threadGroup(pid, tid, name) {
  if (tid === pid) return 'main';
  if (name === 'node' || name.startsWith('libuv') || name.startsWith('V8 ')) return 'helpers';
  return 'store';
}

/**
 * CPU microseconds per thread group of the living threads. ClickHouse's pools start and end
 * threads, and an ended thread's time is gone from here, so `store` is best taken as the
 * process total minus the other two groups (Node's threads live as long as the process).
 */
function threadCpuMicros(pid) {
  const groups = { main: 0, helpers: 0, store: 0 };
  let tids;
  try {
    tids = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return groups;
  }
  for (const tid of tids) {
    try {
      const name = fs.readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      groups[threadGroup(pid, Number(tid), name)] += cpuMicrosOfStat(
        fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8'),
      );
    } catch {
      // the thread ended while we looked
    }
  }
  return groups;
}

/** A snapshot to take before and after a measured interval. */
function cpuSnapshot(pid) {
  return { total: processCpuMicros(pid), threads: threadCpuMicros(pid), at: performance.now() };
}

/** CPU microseconds spent between two snapshots, in all and by thread group. */
function cpuBetween(before, after) {
  const main = after.threads.main - before.threads.main;
  const helpers = after.threads.helpers - before.threads.helpers;
  const total = after.total - before.total;
  return { total, main, helpers, store: Math.max(0, total - main - helpers), wallMs: after.at - before.at };
}

/** Peak resident set size (VmHWM) and current RSS in bytes. */
function memory(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field) => Number((status.match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm')) || [])[1] ?? NaN) * 1024;
  return { peakRss: kib('VmHWM'), rss: kib('VmRSS') };
}

module.exports = { processCpuMicros, threadCpuMicros, cpuSnapshot, cpuBetween, memory };
