import { initLogger } from 'node-datachannel';
import type { Logger } from '../logging/logger.ts';

let routed = false;

/** IPv4 and IPv6 addresses (an address is personal data of whoever it belongs to: never logged). */
const ADDRESS = /\b(?:\d{1,3}\.){3}\d{1,3}\b|\b(?:[0-9a-f]{0,4}:){2,7}[0-9a-f]{0,4}\b/gi;

/**
 * Sends libdatachannel's own log lines (warnings and errors only) to Parley's logger, addresses removed. Called once
 * per process, by the first media server; without a callback libdatachannel would write to stdout on its own.
 */
export function routeNativeLog(logger: Logger): void {
  if (routed) return;
  routed = true;
  const log = logger.child({ module: 'libdatachannel' });
  initLogger('Warning', (level, message) => {
    const text = message.replace(ADDRESS, '[address]');
    if (level === 'Warning') log.warn(text);
    else log.error(text);
  });
}
