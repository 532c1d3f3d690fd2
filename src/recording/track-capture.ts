import { RtpPacket } from 'werift';
import {
  DepacketizeCallback,
  JitterBufferCallback,
  RtpSourceCallback,
  RtpTimeCallback,
  WebmCallback,
  type WebmOutput,
} from 'werift/nonstandard';
import type { PublishedTrack, RtpObserver } from '../media/published-track.ts';
import { payloadTypes } from '../media/rtc-config.ts';

/** Placeholder Duration written in the header (ms); the finaliser replaces it with the real one. */
const PLACEHOLDER_DURATION_MS = 1;
/** How long stop() waits for the WebM writer's tail (cues) before giving up on it, in ms. */
const TAIL_TIMEOUT_MS = 2_000;

/**
 * Turns one participant's published tracks (microphone + camera, or a screen share) into a WebM byte stream
 * (VP8/Opus), from the SFU's RTP as it arrives. werift stays here, after it left the SFU: its depacketisers, jitter
 * buffer and WebM writer are the one maintained set of these blocks in JavaScript (libdatachannel has none for
 * VP8/Opus depacketising or WebM). Built from werift's processing blocks rather than its
 * MediaRecorder, which writes to a file path (plaintext on disk) or, in stream mode, waits 5 s for an end that
 * never comes; here the bytes go straight to the encrypting writer and detaching is immediate: once `stop()` is
 * called no further packet of this person is taken in (withdrawal, G12).
 *
 * Lip-sync buffering is off (with it werift writes no audio, see DESIGN's media notes); timestamps come from the
 * RTP clock of each track, which keeps audio and video aligned to within their first packets' arrival.
 */
export class TrackCapture {
  readonly #detach: (() => void)[] = [];
  readonly #webm: WebmCallback;
  readonly #tail: Promise<void>;
  #resolveTail!: () => void;
  #stopped = false;
  packets = 0;
  /** Frames dropped because their timestamp did not advance past the previous frame of their track. */
  framesDropped = 0;

  constructor(
    tracks: readonly PublishedTrack[],
    private readonly onBytes: (bytes: Buffer) => void,
    private readonly onError: (err: unknown) => void,
  ) {
    if (tracks.length === 0 || tracks.length > 2) throw new Error('a capture takes one or two tracks');
    this.#tail = new Promise((resolve) => (this.#resolveTail = resolve));
    const inputs = tracks.map((track, i) => ({
      track,
      trackNumber: i + 1,
      kind: track.kind,
      codec: track.kind === 'video' ? ('VP8' as const) : ('OPUS' as const),
      clockRate: track.kind === 'video' ? 90_000 : 48_000,
    }));
    this.#webm = new WebmCallback(
      inputs.map(({ kind, codec, clockRate, trackNumber }) => ({
        kind,
        codec,
        clockRate,
        trackNumber,
        ...(kind === 'video' ? { width: 640, height: 480 } : {}),
      })),
      { duration: PLACEHOLDER_DURATION_MS },
    );
    for (const input of inputs) {
      const source = new RtpSourceCallback({
        payloadType: input.kind === 'video' ? payloadTypes.vp8 : payloadTypes.opus,
        clearInvalidPTPacket: true,
      });
      const time = new RtpTimeCallback(input.clockRate);
      // Each block of a track must come strictly after the one before it (a WebM muxer rule); a frame that does not
      // (a late duplicate) is dropped and counted.
      let lastTime = -1;
      const advances = (frameTime: number): boolean => {
        if (frameTime > lastTime) {
          lastTime = frameTime;
          return true;
        }
        this.framesDropped++;
        return false;
      };
      if (input.kind === 'video') {
        const jitter = new JitterBufferCallback(input.clockRate);
        // Frames before the first keyframe cannot be decoded: they are dropped here, and a keyframe is asked for.
        // (werift's own `waitForKeyframe` keeps the dropped frame's packets and glues them to the next frame, which
        // shifts every later frame by one packet when a recording starts on a delta frame, as it does from Chromium.)
        const depacketizer = new DepacketizeCallback('vp8', { isFinalPacketInSequence: (h) => h.marker });
        let keyframeSeen = false;
        source.pipe(jitter.input);
        jitter.pipe(time.input);
        time.pipe(depacketizer.input);
        depacketizer.pipe((output) => {
          if (output.frame && !keyframeSeen) {
            if (!output.frame.isKeyframe) {
              input.track.requestKeyframe();
              return;
            }
            keyframeSeen = true;
          }
          if (output.frame && !advances(output.frame.time)) return;
          this.#webm.inputVideo(output);
        });
      } else {
        // Audio goes through a jitter buffer too: a duplicated or reordered Opus packet would otherwise reach the
        // WebM writer with a timestamp that does not advance, which players reject.
        const jitter = new JitterBufferCallback(input.clockRate);
        const depacketizer = new DepacketizeCallback('opus');
        source.pipe(jitter.input);
        jitter.pipe(time.input);
        time.pipe(depacketizer.input);
        depacketizer.pipe((output) => {
          if (output.frame && !advances(output.frame.time)) return;
          this.#webm.inputAudio(output);
        });
      }
      const observer: RtpObserver = {
        observe: (packet: Buffer) => {
          if (this.#stopped) return;
          this.packets++;
          try {
            // Parsed at once: the subscriptions then rewrite the header bytes in place (never the payload, which the
            // parsed packet keeps a view of).
            source.input(RtpPacket.deSerialize(packet));
          } catch (err) {
            this.onError(err);
          }
        },
      };
      input.track.addObserver(observer);
      this.#detach.push(() => input.track.removeObserver(observer));
      // A recording starts with a keyframe, or its first seconds cannot be decoded.
      if (input.kind === 'video') input.track.requestKeyframe();
    }
    this.#webm.pipe(async (output: WebmOutput) => {
      try {
        if (output.saveToFile) this.onBytes(output.saveToFile);
        if (output.eol) this.#resolveTail();
      } catch (err) {
        this.onError(err);
      }
    });
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  /**
   * Detaches from the tracks at once — nothing received after this call is recorded — then lets the WebM writer
   * write its tail (cues). Resolves when the last byte has been handed to `onBytes`.
   */
  async stop(): Promise<void> {
    if (this.#stopped) return this.#tail;
    this.#stopped = true;
    for (const detach of this.#detach) detach();
    try {
      this.#webm.stop();
    } catch {
      // A writer that never received a frame has no timestamps to close with: there is no tail to write.
      this.#resolveTail();
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.#tail, new Promise<void>((resolve) => (timer = setTimeout(resolve, TAIL_TIMEOUT_MS)))]);
    clearTimeout(timer);
  }
}
