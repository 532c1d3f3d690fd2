import { readdirSync, readlinkSync } from 'node:fs';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { openUdpSockets } from '../media/udp-sockets.ts';

/**
 * What one process holds right now, for the soak benchmark and the leak checks: memory, open file descriptors and
 * UDP sockets (the kernel's count, so libdatachannel's native sockets are seen too), Node's own active resources by
 * type, and the event loop's p99 delay since the previous reading. Counts and sizes only.
 */
export interface ProcessVitals {
  readonly pid: number;
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
  /** Open file descriptors (null where /proc is missing). */
  readonly fds: number | null;
  /** The same descriptors by kind: `file`, `socket`, `pipe`, `anon_inode:[eventfd]` … (a leak shows which). */
  readonly fdKinds: Readonly<Record<string, number>>;
  readonly udpSockets: number | null;
  /** `process.getActiveResourcesInfo()` grouped by type (TCPWrap, Timeout, FSReqCallback …). */
  readonly resources: Readonly<Record<string, number>>;
  /** Event-loop delay p99 since the previous reading, ms (null before a loop monitor was started). */
  readonly loopP99Ms: number | null;
}

/** Open descriptors by kind; null where /proc is missing. Paths are never kept, only their kind. */
function openFds(): Record<string, number> | null {
  let fds: string[];
  try {
    fds = readdirSync('/proc/self/fd');
  } catch {
    return null;
  }
  const kinds: Record<string, number> = {};
  for (const fd of fds) {
    let target: string;
    try {
      target = readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      continue; // readdir's own descriptor, closed by now
    }
    const kind = target.startsWith('/') ? 'file' : target.replace(/:\[\d+\]$/, '');
    kinds[kind] = (kinds[kind] ?? 0) + 1;
  }
  return kinds;
}

let loop: IntervalHistogram | null = null;

/** Starts measuring the event loop's delay (10 ms resolution) for `readProcessVitals`; idempotent. */
export function watchEventLoop(): void {
  if (loop) return;
  loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
}

/** This process's vitals; the event-loop figure covers the time since the previous call, then starts again. */
export function readProcessVitals(): ProcessVitals {
  const memory = process.memoryUsage();
  const resources: Record<string, number> = {};
  for (const type of process.getActiveResourcesInfo()) resources[type] = (resources[type] ?? 0) + 1;
  const loopP99Ms = loop ? loop.percentile(99) / 1e6 : null;
  loop?.reset();
  const fdKinds = openFds();
  const fds = fdKinds ? Object.values(fdKinds).reduce((a, b) => a + b, 0) : null;
  return { pid: process.pid, rssBytes: memory.rss, heapUsedBytes: memory.heapUsed, fds, fdKinds: fdKinds ?? {}, udpSockets: openUdpSockets(), resources, loopP99Ms };
}
