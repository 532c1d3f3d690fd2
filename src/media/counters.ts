/**
 * Live media objects, counted up in each constructor and down in each `close()` — not derived from the maps
 * that hold them, so an object dropped from its owner without being closed still shows here. `peerConnections`
 * goes down only when werift's own `close()` has finished (sockets released).
 */
export interface MediaCounts {
  rooms: number;
  peers: number;
  peerConnections: number;
  publications: number;
  subscriptions: number;
}

/**
 * Packets that went through the media layer, cumulative for the life of the process (for metrics): received from
 * publishers (after decryption), lost on the way from them (sequence gaps), handed to libdatachannel for subscribers.
 */
export interface MediaTraffic {
  packetsReceived: number;
  packetsLost: number;
  packetsForwarded: number;
}

export const zeroTraffic = (): MediaTraffic => ({ packetsReceived: 0, packetsLost: 0, packetsForwarded: 0 });

export const zeroCounts = (): MediaCounts => ({ rooms: 0, peers: 0, peerConnections: 0, publications: 0, subscriptions: 0 });
