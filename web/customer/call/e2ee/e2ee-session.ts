import type { ClientMessage, PeerInfo } from '../protocol.ts';
import { fromBase64, safetyCode, toBase64 } from './safety-code.ts';
import type { FromWorker, ToWorker, TransformOptions } from './worker-messages.ts';

/**
 * This participant's end-to-end encryption in one call session (issue 8). The server only relays: it learns the
 * public keys and wrapped blobs, never a media key.
 *
 * - An ECDH P-256 key pair per call session; the private key is made non-extractable.
 * - With each other participant, a pairwise wrapping key: ECDH → HKDF-SHA-256 → AES-GCM 256.
 * - Per sender, an AES-GCM 256 media key with a key id. Whenever the set of connected participants changes (a join,
 *   a leave, a dropped and resumed connection, a new key pair after a reload), every sender makes a new media key,
 *   sends it wrapped to each participant now present, and switches to it: a former participant never receives
 *   the key of what follows. The switch waits SWITCH_DELAY_MS so the others hold the new key before frames use it
 *   (the trade-off: for that long after a leave, frames still use the key the leaver had).
 * - Frames are encrypted and decrypted in a worker (frame-worker.ts) with RTCRtpScriptTransform.
 */

const SWITCH_DELAY_MS = 300;
const STATS_EVERY_MS = 2_000;
const WRAP_INFO = new TextEncoder().encode('parley e2ee media key wrap v1');

export interface E2eeState {
  /** The code everyone compares; null until at least one other participant's key is known. */
  readonly safetyCode: string | null;
  /** The key id this participant currently encrypts with (0 before the first key). */
  readonly sendKeyId: number;
  /** Per other participant: the key id of their latest media key received. */
  readonly receiveKeyIds: Readonly<Record<string, number>>;
  /** Frames encrypted, decrypted, and dropped because they did not decrypt (from the worker, every STATS_EVERY_MS). */
  /** Frame counts and the worker's AES-GCM time for video (see worker-messages.ts). */
  readonly frames: Readonly<Omit<FromWorker, 'type'>>;
}

type RTCRtpScriptTransformCtor = new (worker: Worker, options: TransformOptions) => unknown;

/** Whether this browser can take part in an E2EE call (Encoded Transforms in a worker). */
export function e2eeSupported(): boolean {
  return typeof (globalThis as { RTCRtpScriptTransform?: unknown }).RTCRtpScriptTransform === 'function';
}

export class E2eeSession {
  readonly #worker: Worker;
  readonly #send: (message: ClientMessage) => void;
  readonly #onChange: (state: E2eeState) => void;
  readonly #ready: Promise<{ keyPair: CryptoKeyPair; publicKey: string }>;
  #selfId: string | null = null;
  /** Public key (base64) → its pairwise wrapping key. */
  readonly #wrapKeys = new Map<string, Promise<CryptoKey>>();
  /** participantId → public key, for those present (not waiting). */
  #peers = new Map<string, { publicKey: string; connected: boolean }>();
  #membership = '';
  #keyId = 0;
  #work: Promise<void> = Promise.resolve();
  #state: E2eeState = { safetyCode: null, sendKeyId: 0, receiveKeyIds: {}, frames: { encrypted: 0, decrypted: 0, dropped: 0, videoEncrypted: 0, videoEncryptMs: 0, videoDecrypted: 0, videoDecryptMs: 0 } };
  readonly #statsTimer: ReturnType<typeof setInterval>;
  readonly #transforms = new WeakMap<RTCRtpSender | RTCRtpReceiver, string>();
  #switchTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(options: { send: (message: ClientMessage) => void; onChange: (state: E2eeState) => void }) {
    this.#send = options.send;
    this.#onChange = options.onChange;
    this.#worker = new Worker(new URL('./frame-worker.ts', import.meta.url), { type: 'module', name: 'parley-e2ee' });
    this.#ready = (async () => {
      const keyPair = await crypto.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, false, ['deriveBits']);
      const publicKey = toBase64(new Uint8Array(await crypto.subtle.exportKey('raw', keyPair.publicKey)));
      return { keyPair, publicKey };
    })();
    this.#statsTimer = setInterval(() => void this.stats().then((frames) => this.#update({ frames })), STATS_EVERY_MS);
  }

  get state(): E2eeState {
    return this.#state;
  }

  /** After each welcome (a join or a rejoin): announce the public key; the next peer list redistributes the key. */
  async welcome(selfId: string, peers: readonly PeerInfo[]): Promise<void> {
    this.#selfId = selfId;
    this.#membership = '';
    this.#peers = new Map();
    this.peersChanged(peers);
    const { publicKey } = await this.#ready;
    this.#send({ type: 'e2ee-key', publicKey });
  }

  /** Every change of the peer list: a new media key when who is connected changed. */
  peersChanged(peers: readonly PeerInfo[]): void {
    const present = new Map<string, { publicKey: string; connected: boolean }>();
    for (const p of peers) {
      if (p.state === 'waiting' || p.e2eeKey === null) continue;
      present.set(p.participantId, { publicKey: p.e2eeKey, connected: p.state === 'admitted' });
    }
    for (const id of this.#peers.keys()) if (!present.has(id)) this.#post({ type: 'forget', participantId: id });
    this.#peers = present;
    const membership = [...present].map(([id, p]) => `${id}:${p.publicKey}:${p.connected}`).sort().join('|');
    if (this.#selfId === null || membership === this.#membership) return;
    this.#membership = membership;
    this.#queue(() => this.#rotate());
  }

  /** A media key another participant wrapped for this one. */
  senderKey(from: string, keyId: number, wrapped: string): void {
    this.#queue(async () => {
      const peer = this.#peers.get(from);
      if (!peer || this.#selfId === null) return;
      const bytes = fromBase64(wrapped);
      try {
        const raw = new Uint8Array(
          await crypto.subtle.decrypt(
            { name: 'AES-GCM', iv: bytes.slice(0, 12), additionalData: wrapAad(from, this.#selfId, keyId) },
            await this.#wrapKeyFor(peer.publicKey),
            bytes.slice(12),
          ),
        );
        this.#post({ type: 'receive-key', participantId: from, keyId, key: raw });
        this.#update({ receiveKeyIds: { ...this.#state.receiveKeyIds, [from]: keyId } });
      } catch {
        // Not wrapped for our key (an old key pair, or tampered with): ignored; its frames will not decrypt.
      }
    });
  }

  /**
   * Encrypts what this sender sends (set once per sender). Call it right after `addTrack`, before the offer that
   * carries the sender's m-line is applied: Chromium 156 ignores a transform set any other way (call-session.ts).
   */
  attachSender(sender: RTCRtpSender, kind: 'audio' | 'video'): void {
    if (this.#transforms.get(sender) === 'send') return;
    this.#transforms.set(sender, 'send');
    sender.transform = this.#transform({ role: 'send', kind }) as RTCRtpSender['transform'];
  }

  /** Decrypts what arrives on this receiver with the keys of the participant who sends it. */
  attachReceiver(receiver: RTCRtpReceiver, kind: 'audio' | 'video', participantId: string): void {
    if (this.#transforms.get(receiver) === participantId) return;
    this.#transforms.set(receiver, participantId);
    receiver.transform = this.#transform({ role: 'receive', kind, participantId }) as RTCRtpReceiver['transform'];
  }

  /** Frames encrypted, decrypted and dropped (failed to decrypt) so far, from the worker. */
  stats(): Promise<Omit<FromWorker, 'type'>> {
    return new Promise((resolve) => {
      const onMessage = (event: MessageEvent<FromWorker>) => {
        this.#worker.removeEventListener('message', onMessage);
        const { type: _type, ...counts } = event.data;
        resolve(counts);
      };
      this.#worker.addEventListener('message', onMessage);
      this.#post({ type: 'stats' });
    });
  }

  close(): void {
    clearInterval(this.#statsTimer);
    if (this.#switchTimer) clearTimeout(this.#switchTimer);
    this.#worker.terminate();
  }

  #transform(options: TransformOptions): unknown {
    const Ctor = (globalThis as unknown as { RTCRtpScriptTransform: RTCRtpScriptTransformCtor }).RTCRtpScriptTransform;
    return new Ctor(this.#worker, options);
  }

  async #rotate(): Promise<void> {
    const selfId = this.#selfId;
    if (selfId === null) return;
    const { publicKey } = await this.#ready;
    const keyId = ++this.#keyId;
    const raw = crypto.getRandomValues(new Uint8Array(32));
    for (const [id, peer] of this.#peers) {
      if (!peer.connected) continue;
      const iv = crypto.getRandomValues(new Uint8Array(12));
      const sealed = new Uint8Array(
        await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: wrapAad(selfId, id, keyId) }, await this.#wrapKeyFor(peer.publicKey), raw),
      );
      const wrapped = new Uint8Array(iv.length + sealed.length);
      wrapped.set(iv, 0);
      wrapped.set(sealed, iv.length);
      this.#send({ type: 'e2ee-sender-key', to: id, keyId, wrapped: toBase64(wrapped) });
    }
    const code = this.#peers.size > 0 ? await safetyCode([publicKey, ...[...this.#peers.values()].map((p) => p.publicKey)]) : null;
    this.#update({ safetyCode: code });
    // The first key is used at once (nobody can have an older one); later ones once the others have them.
    const use = () => {
      if (keyId !== this.#keyId) return;
      this.#post({ type: 'send-key', keyId, key: raw });
      this.#update({ sendKeyId: keyId });
    };
    if (keyId === 1) use();
    else {
      if (this.#switchTimer) clearTimeout(this.#switchTimer);
      this.#switchTimer = setTimeout(use, SWITCH_DELAY_MS);
    }
  }

  #wrapKeyFor(peerPublicKey: string): Promise<CryptoKey> {
    let key = this.#wrapKeys.get(peerPublicKey);
    if (!key) {
      key = (async () => {
        const { keyPair, publicKey } = await this.#ready;
        const theirs = await crypto.subtle.importKey('raw', fromBase64(peerPublicKey) as Uint8Array<ArrayBuffer>, { name: 'ECDH', namedCurve: 'P-256' }, false, []);
        const shared = await crypto.subtle.deriveBits({ name: 'ECDH', public: theirs }, keyPair.privateKey, 256);
        const hkdf = await crypto.subtle.importKey('raw', shared, 'HKDF', false, ['deriveKey']);
        // Both public keys, in a fixed order, as the salt: the wrapping key belongs to this pair of key pairs only.
        const salt = new TextEncoder().encode([publicKey, peerPublicKey].sort().join('|'));
        return crypto.subtle.deriveKey({ name: 'HKDF', hash: 'SHA-256', salt, info: WRAP_INFO }, hkdf, { name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
      })();
      this.#wrapKeys.set(peerPublicKey, key);
    }
    return key;
  }

  #queue(step: () => Promise<void>): void {
    this.#work = this.#work.then(step).catch(() => undefined);
  }

  #post(message: ToWorker): void {
    this.#worker.postMessage(message);
  }

  #update(patch: Partial<E2eeState>): void {
    this.#state = { ...this.#state, ...patch };
    this.#onChange(this.#state);
  }
}

/** The wrapped key is bound to its sender, its recipient and its key id: it cannot be replayed as another. */
function wrapAad(from: string, to: string, keyId: number): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(`${from}>${to}#${keyId}`);
}
