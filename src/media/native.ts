import { initLogger } from 'node-datachannel';
import type { Logger } from '../logging/logger.ts';

let routed = false;

/** IPv4 and IPv6 addresses (an address is personal data of whoever it belongs to: never logged). */
const ADDRESS = /\b(?:\d{1,3}\.){3}\d{1,3}\b|(?<![\w:])(?=[0-9a-f:]*[0-9a-f])[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}(?![\w:])/gi;

/** Replaces every IP address in a log line. */
export const withoutAddresses = (text: string): string => text.replace(ADDRESS, '[address]');

/**
 * Sends libdatachannel's own log lines (warnings and errors only, as warnings) to Parley's logger, addresses removed;
 * without a callback libdatachannel would write to stdout on its own. Once per process, by its first media server.
 *
 * libdatachannel's threads and this callback keep Node's event loop open for the life of the process: a process that
 * ends by itself after its media (a benchmark) calls `process.exit`. (Releasing them with node-datachannel's
 * `cleanup()` when the last media server closed, and starting again with the next, crashed a test process that did
 * this many times — glibc `__pthread_tpp_change_priority` assertion — so it is not done.)
 */
export function routeNativeLog(logger: Logger): void {
  if (routed) return;
  routed = true;
  const log = logger.child({ module: 'libdatachannel' });
  initLogger('Warning', (level, message) => {
    const text = withoutAddresses(message);
    // One connection's trouble (a DTLS handshake a leaving client broke off), not the server's: a warning either way.
    if (level === 'Fatal') log.error(text);
    else log.warn(text);
  });
}
