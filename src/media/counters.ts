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

export const zeroCounts = (): MediaCounts => ({ rooms: 0, peers: 0, peerConnections: 0, publications: 0, subscriptions: 0 });
