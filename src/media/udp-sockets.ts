import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/**
 * UDP sockets this process has open, counted by the kernel (Linux: /proc), null where /proc is not there.
 * libdatachannel's sockets are native: Node's own resource list (`process.getActiveResourcesInfo()`) does not see
 * them, so a leak test that wants to know the media engine let go of its sockets asks the kernel.
 */
export function openUdpSockets(): number | null {
  let fds: string[];
  try {
    fds = readdirSync('/proc/self/fd');
  } catch {
    return null;
  }
  const inodes = new Set<string>();
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      // closed while we looked
    }
  }
  let count = 0;
  for (const table of ['/proc/self/net/udp', '/proc/self/net/udp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const inode = line.trim().split(/\s+/)[9];
      if (inode !== undefined && inodes.has(inode)) count++;
    }
  }
  return count;
}
