import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { RtpPacket } from 'werift';
import type { RtcClient } from '../media/support/rtc-client.ts';
import type { TestParticipant } from '../media/support/signal-client.ts';

/**
 * Real, decodable media for werift test participants: ffmpeg encodes a test pattern (VP8) and a tone (Opus) in
 * real time and sends them as RTP to two loopback UDP sockets of this process; each packet is written into the
 * local track of every attached participant. RtcClient's own packets are fake (valid headers, undecodable
 * payloads): enough for the SFU, not for a test that plays a recording back.
 *
 * Nothing here writes media to disk: ffmpeg reads lavfi sources and writes to UDP; `probe` pipes bytes through
 * stdin.
 */

const FFMPEG = 'ffmpeg';
const FFPROBE = 'ffprobe';

/** True when Debian's ffmpeg and ffprobe can be run (`.ci/run` is expected to install them). */
export const hasFfmpeg = [FFMPEG, FFPROBE].every((cmd) => spawnSync(cmd, ['-version'], { stdio: 'ignore' }).status === 0);

export interface MediaFeedOptions {
  /** Picture size in pixels; default 320×240 (keeps two cores free for the rest of the suite). */
  readonly width?: number;
  readonly height?: number;
  /** Frames per second; default 15. */
  readonly fps?: number;
  /** VP8 target bitrate in kbit/s; default 300. */
  readonly videoKbps?: number;
  /** Keyframe interval in frames; default one per second (the recorder waits for a keyframe to start). */
  readonly keyframeInterval?: number;
  /**
   * Stop after this many seconds of media; default 300: a cap, so an ffmpeg whose test process died without
   * calling stop() still ends by itself.
   */
  readonly seconds?: number;
  /** Pace the output in real time (default true); false sends it as fast as ffmpeg encodes (unit tests). */
  readonly realtime?: boolean;
}

type Kind = 'audio' | 'video';
type Source = 'audio' | 'video';

/** One ffmpeg process sending VP8 (pt 96) and Opus (pt 111) RTP to this process, shared by any number of participants. */
export class MediaFeed {
  /** Packets received from ffmpeg, per kind. */
  readonly received: Record<Kind, number> = { audio: 0, video: 0 };
  readonly #sinks = new Set<{ kind: Kind; write: (packet: RtpPacket) => void }>();
  #stderr = '';
  #stopped = false;
  readonly #exited: Promise<void>;

  private constructor(
    private readonly ffmpeg: ChildProcess,
    private readonly sockets: Record<Kind, dgram.Socket>,
  ) {
    ffmpeg.stderr?.on('data', (d: Buffer) => {
      if (this.#stderr.length < 10_000) this.#stderr += d.toString();
    });
    this.#exited = new Promise((resolve) => ffmpeg.once('exit', () => resolve()));
    for (const kind of ['audio', 'video'] as const) {
      sockets[kind].on('message', (msg) => {
        let packet: RtpPacket;
        try {
          packet = RtpPacket.deSerialize(msg);
        } catch {
          return;
        }
        this.received[kind]++;
        for (const sink of this.#sinks) if (sink.kind === kind) sink.write(packet);
      });
    }
  }

  static async start(options: MediaFeedOptions = {}): Promise<MediaFeed> {
    if (!hasFfmpeg) throw new Error('ffmpeg/ffprobe are not installed (apt-get install -y ffmpeg)');
    const { width = 320, height = 240, fps = 15, videoKbps = 300, keyframeInterval = fps, realtime = true, seconds = 300 } = options;
    // Input options: -re paces reading in real time; -t ends both (lavfi sources are endless).
    const input = [...(realtime ? ['-re'] : []), '-t', String(seconds)];
    const bind = async () => {
      const socket = dgram.createSocket('udp4');
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.bind(0, '127.0.0.1', () => resolve());
      });
      return socket;
    };
    const sockets = { video: await bind(), audio: await bind() };
    const port = (k: Kind) => (sockets[k].address() as AddressInfo).port;
    // skip_rtcp: no sender reports, which would otherwise go to port+1, a port that is not ours.
    // pkt_size 1200 leaves room for SRTP and header extensions under a path MTU of 1500.
    const rtp = (k: Kind) => ['-rtpflags', 'skip_rtcp', '-f', 'rtp', `rtp://127.0.0.1:${port(k)}?pkt_size=1200`];
    const args = [
      '-hide_banner', '-loglevel', 'error', '-nostdin',
      ...input, '-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=${fps}`,
      ...input, '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
      '-map', '0:v', '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-threads', '1',
      '-b:v', `${videoKbps}k`, '-g', String(keyframeInterval), '-keyint_min', String(keyframeInterval),
      '-payload_type', '96', ...rtp('video'),
      '-map', '1:a', '-c:a', 'libopus', '-b:a', '32k', '-application', 'voip', '-frame_duration', '20',
      '-payload_type', '111', ...rtp('audio'),
    ];
    const ffmpeg = spawn(FFMPEG, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    const feed = new MediaFeed(ffmpeg, sockets);
    await new Promise<void>((resolve, reject) => {
      ffmpeg.once('spawn', () => resolve());
      ffmpeg.once('error', reject);
    });
    return feed;
  }

  /** Resolves once both audio and video packets arrive from ffmpeg (it takes a moment to start). */
  async ready(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.audio === 0 || this.received.video === 0) {
      if (this.ffmpeg.exitCode !== null) throw new Error(`ffmpeg exited (${this.ffmpeg.exitCode}): ${this.#stderr}`);
      if (Date.now() > deadline) throw new Error(`ffmpeg sent no media in ${timeoutMs} ms: ${this.#stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /**
   * Writes the feed into the client's local track of each source, from now on. RtcClient creates that track when
   * it answers the server's offer; packets arriving before that (or before DTLS is up) are dropped, as a
   * browser's would be. The sender rewrites SSRC and payload type to the negotiated ones. Returns a detach function.
   */
  attach(rtc: RtcClient, sources: readonly Source[]): () => void {
    const detach = sources.map((source) => this.subscribe(source, (packet) => rtc.localTracks.get(source)?.writeRtp(packet)));
    return () => {
      for (const d of detach) d();
    };
  }

  /** Calls `write` with each RTP packet of that kind from now on (the same packet object for every subscriber). */
  subscribe(kind: Kind, write: (packet: RtpPacket) => void): () => void {
    const sink = { kind, write };
    this.#sinks.add(sink);
    return () => void this.#sinks.delete(sink);
  }

  /** Resolves when ffmpeg has exited (after `seconds`, or stop()). */
  exited(): Promise<void> {
    return this.#exited;
  }

  /** What ffmpeg printed on stderr (errors only), for failure messages. */
  get log(): string {
    return this.#stderr;
  }

  /** Stops ffmpeg and closes the sockets; safe to call twice. */
  async stop(): Promise<void> {
    if (this.#stopped) return this.#exited;
    this.#stopped = true;
    this.#sinks.clear();
    if (this.ffmpeg.exitCode === null && this.ffmpeg.signalCode === null) {
      this.ffmpeg.kill('SIGKILL');
      await this.#exited;
    }
    for (const s of Object.values(this.sockets)) s.close();
  }
}

/** Publishes camera and microphone and sends the feed on them (instead of RtcClient's fake packets); returns a detach function. */
export function publishReal(participant: TestParticipant, feed: MediaFeed): () => void {
  const sources = ['audio', 'video'] as const;
  for (const source of sources) participant.signal.send({ type: 'publish', source });
  return feed.attach(participant.rtc, sources);
}

export interface ProbeResult {
  /** Decoded length in seconds: from the first decoded frame's time to the last one's end (not the header's Duration). */
  readonly durationSec: number;
  /** Duration the container header claims, in seconds (null when it has none). */
  readonly headerDurationSec: number | null;
  readonly streams: { readonly codec: string; readonly type: string }[];
  readonly decodedFrames: number;
  readonly framesByType: Readonly<Record<string, number>>;
  /** What `ffmpeg -v error` printed while decoding the whole file; empty when it decoded cleanly. */
  readonly decodeErrors: string;
}

/**
 * `decodeErrors` without the null muxer's complaints about two packets of one stream with the same timestamp (and
 * ffmpeg's "Last message repeated" after them). For files Parley did not write: Chromium's MediaRecorder can give two
 * frames the same millisecond under load; the frames still decode. Parley's own recordings are held to the full check.
 */
export function decodeErrorsOtherThanEqualTimestamps(errors: string): string {
  return errors
    .split('\n')
    .filter((line) => !/non monotonically increasing dts to muxer/.test(line) && !/^\s*Last message repeated/.test(line))
    .join('\n')
    .trim();
}

/**
 * Decodes a media file held in memory with ffmpeg and ffprobe, through stdin: the plaintext is never written to
 * disk (G44). The duration comes from the decoded frames' timestamps, so a wrong header Duration cannot fool it.
 */
export async function probe(media: Buffer): Promise<ProbeResult> {
  // `-fps_mode passthrough`: frames keep their own timestamps. Without it the null muxer resamples a variable frame
  // rate (a real camera's) to a constant one and reports two frames landing on the same tick as an error, which
  // says nothing about the file.
  const decode = await runWithInput(FFMPEG, ['-hide_banner', '-nostdin', '-v', 'error', '-i', 'pipe:0', '-fps_mode', 'passthrough', '-enc_time_base', '-1', '-f', 'null', '-'], media);
  const info = await runWithInput(
    FFPROBE,
    [
      '-v', 'error',
      '-show_entries', 'stream=codec_name,codec_type:format=duration:frame=media_type,best_effort_timestamp_time,pkt_duration_time,duration_time',
      '-of', 'json', '-i', 'pipe:0',
    ],
    media,
  );
  if (info.code !== 0) throw new Error(`ffprobe failed (${info.code}): ${info.stderr}`);
  const parsed = JSON.parse(info.stdout) as {
    streams?: { codec_name?: string; codec_type?: string }[];
    format?: { duration?: string };
    frames?: { media_type?: string; best_effort_timestamp_time?: string; pkt_duration_time?: string; duration_time?: string }[];
  };
  let first = Infinity;
  let last = -Infinity;
  const framesByType: Record<string, number> = {};
  for (const f of parsed.frames ?? []) {
    const type = f.media_type ?? 'unknown';
    framesByType[type] = (framesByType[type] ?? 0) + 1;
    const pts = Number(f.best_effort_timestamp_time);
    if (!Number.isFinite(pts)) continue;
    const dur = Number(f.duration_time ?? f.pkt_duration_time ?? 0);
    first = Math.min(first, pts);
    last = Math.max(last, pts + (Number.isFinite(dur) ? dur : 0));
  }
  const header = Number(parsed.format?.duration);
  return {
    durationSec: Number.isFinite(first) ? last - first : 0,
    headerDurationSec: Number.isFinite(header) ? header : null,
    streams: (parsed.streams ?? []).map((s) => ({ codec: s.codec_name ?? '', type: s.codec_type ?? '' })),
    decodedFrames: (parsed.frames ?? []).length,
    framesByType,
    decodeErrors: (decode.stderr + (decode.code !== 0 ? `\nffmpeg exited with ${decode.code}` : '') + info.stderr).trim(),
  };
}

/** A WebM of the test pattern and tone, made in memory (for unit tests of the WebM reader). */
export async function encodeWebm(options: { seconds: number; width?: number; height?: number; fps?: number; audio?: boolean }): Promise<Buffer> {
  const { seconds, width = 320, height = 240, fps = 15, audio = true } = options;
  const args = [
    '-hide_banner', '-nostdin', '-v', 'error',
    '-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=${fps}`,
    ...(audio ? ['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000'] : []),
    '-t', String(seconds),
    '-map', '0:v', '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-threads', '1', '-b:v', '300k', '-g', String(fps),
    ...(audio ? ['-map', '1:a', '-c:a', 'libopus', '-b:a', '32k'] : []),
    // werift's layout: clusters of unknown size, as written live, rather than ffmpeg's seekable default.
    '-live', '1', '-f', 'webm', 'pipe:1',
  ];
  const out = await runWithInput(FFMPEG, args, null, { binary: true });
  if (out.code !== 0) throw new Error(`ffmpeg failed (${out.code}): ${out.stderr}`);
  return out.bytes;
}

async function runWithInput(
  cmd: string,
  args: readonly string[],
  input: Buffer | null,
  options: { binary?: boolean } = {},
): Promise<{ code: number; stdout: string; bytes: Buffer; stderr: string }> {
  const child = spawn(cmd, args, { stdio: [input ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout!.on('data', (d: Buffer) => out.push(d));
  child.stderr!.on('data', (d: Buffer) => err.push(d));
  if (input && child.stdin) {
    // A reader may stop early (and close its stdin); that is not a failure of ours.
    child.stdin.on('error', () => {});
    child.stdin.end(input);
  }
  const code = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (c) => resolve(c ?? 1));
  });
  const bytes = Buffer.concat(out);
  return { code, stdout: options.binary ? '' : bytes.toString(), bytes, stderr: Buffer.concat(err).toString() };
}

// ----- looking for plaintext media on disk (G44) ------------------------------------------------------------------

export interface Signature {
  readonly name: string;
  readonly bytes: Buffer;
}

/** The EBML magic that starts every WebM/Matroska file. */
export const EBML_MAGIC: Signature = { name: 'EBML header 1A 45 DF A3', bytes: Buffer.from([0x1a, 0x45, 0xdf, 0xa3]) };

/**
 * A VP8 keyframe of this feed: the start code 9D 01 2A followed by its frame size (width and height as 14-bit
 * little-endian values, no scaling). The bare 3-byte start code turns up by chance about once per 16 MiB of
 * ciphertext (a false alarm every few dozen runs); with the size it is specific to this feed's plaintext.
 */
export function vp8KeyframeSignature(width = 320, height = 240): Signature {
  const b = Buffer.from([0x9d, 0x01, 0x2a, 0, 0, 0, 0]);
  b.writeUInt16LE(width, 3);
  b.writeUInt16LE(height, 5);
  return { name: `VP8 keyframe 9D 01 2A (${width}x${height})`, bytes: b };
}

export interface PlaintextScan {
  /** Every regular file read, with its size when read. */
  readonly scanned: { readonly file: string; readonly size: number }[];
  readonly hits: { readonly file: string; readonly signature: string; readonly offset: number }[];
}

/** How many times a signature occurs in a buffer (to check a scan would see real plaintext). */
export function countSignature(bytes: Buffer, signature: Signature): number {
  let n = 0;
  for (let at = bytes.indexOf(signature.bytes); at !== -1; at = bytes.indexOf(signature.bytes, at + 1)) n++;
  return n;
}

/**
 * Reads every regular file under each root (not following symbolic links) modified at or after `since` and
 * reports where any of the signatures occurs. Files that vanish or cannot be read while walking are passed over
 * (other processes share a temp directory); files over 256 MiB are too.
 */
export async function findPlaintextMedia(roots: readonly { dir: string; signatures: readonly Signature[]; since?: number }[]): Promise<PlaintextScan> {
  const scanned: PlaintextScan['scanned'] = [];
  const hits: PlaintextScan['hits'] = [];
  const walk = async (dir: string, signatures: readonly Signature[], since: number) => {
    let entries;
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        await walk(file, signatures, since);
        continue;
      }
      if (!entry.isFile()) continue;
      let bytes: Buffer;
      try {
        const stat = await fs.lstat(file);
        if (stat.mtimeMs < since || stat.size > 256 * 1024 * 1024) continue;
        bytes = await fs.readFile(file);
      } catch {
        continue;
      }
      scanned.push({ file, size: bytes.length });
      for (const sig of signatures) {
        const offset = bytes.indexOf(sig.bytes);
        if (offset !== -1) hits.push({ file, signature: sig.name, offset });
      }
    }
  };
  for (const root of roots) await walk(root.dir, root.signatures, root.since ?? 0);
  return { scanned, hits };
}
