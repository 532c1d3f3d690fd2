/**
 * Runs in the customer's page before any page script (a string: this code is type-checked without the DOM
 * library). Records, as `performance.now()` (ms since the navigation to the join link started), the first moment
 * of each step of a join on `window.__joinMarks`, from inside the page, so the figures carry no Playwright
 * round-trip:
 *
 * - `notice`: the privacy notice is in the document
 * - `deviceCheck`: the camera preview is in the document (camera and microphone granted, stream attached)
 * - `joinClick`: the "Join the call" button is clicked
 * - `welcome`: the signalling socket receives `welcome` (the server has taken the customer into the call)
 * - `connected`: a peer connection reaches `connectionState === 'connected'` (ICE + DTLS done)
 * - `remoteTrack`: a remote video track arrives (`track` event)
 * - `statsFrame`: `getStats()` first shows an `inbound-rtp` video entry with `framesDecoded > 0` (polled every 10 ms)
 * - `painted`: the first `requestVideoFrameCallback` on the remote tile's video (a frame handed to the compositor)
 */
export const RECORD_JOIN_MARKS = `(() => {
  const marks = {};
  Object.defineProperty(window, '__joinMarks', { value: marks });
  const mark = (k) => { if (!(k in marks)) marks[k] = performance.now(); };

  const OriginalSocket = window.WebSocket;
  window.WebSocket = class extends OriginalSocket {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (e) => {
        if ('welcome' in marks || typeof e.data !== 'string') return;
        try { if (JSON.parse(e.data).type === 'welcome') mark('welcome'); } catch {}
      });
    }
  };

  const OriginalPc = window.RTCPeerConnection;
  if (OriginalPc) {
    window.RTCPeerConnection = class extends OriginalPc {
      constructor(...args) {
        super(...args);
        this.addEventListener('connectionstatechange', () => { if (this.connectionState === 'connected') mark('connected'); });
        this.addEventListener('track', (e) => { if (e.track.kind === 'video') mark('remoteTrack'); });
        const poll = setInterval(async () => {
          if ('statsFrame' in marks || this.connectionState === 'closed') { clearInterval(poll); return; }
          try {
            (await this.getStats()).forEach((s) => {
              if (s.type === 'inbound-rtp' && s.kind === 'video' && (s.framesDecoded ?? 0) > 0) mark('statsFrame');
            });
          } catch {}
        }, 10);
      }
    };
  }

  const watched = new WeakSet();
  const scan = () => {
    if (document.querySelector('[data-testid="privacy-notice"]')) mark('notice');
    if (document.querySelector('[data-testid="camera-preview"]')) mark('deviceCheck');
    const remote = document.querySelector('[data-testid="tile-remote"] video');
    if (remote && !watched.has(remote) && remote.requestVideoFrameCallback) {
      watched.add(remote);
      remote.requestVideoFrameCallback(() => mark('painted'));
    }
  };
  new MutationObserver(scan).observe(document, { childList: true, subtree: true, attributes: true });
  document.addEventListener('click', (e) => {
    if (e.target instanceof Element && e.target.closest('[data-testid="join-call"]')) mark('joinClick');
  }, true);
})();`;

export const JOIN_MARKS = ['notice', 'deviceCheck', 'joinClick', 'welcome', 'connected', 'remoteTrack', 'statsFrame', 'painted'] as const;
export type JoinMark = (typeof JOIN_MARKS)[number];
export type JoinMarks = Partial<Record<JoinMark, number>>;

/** Nearest-rank percentile of an ascending list. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}
