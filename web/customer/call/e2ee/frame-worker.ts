import { clearHeaderBytes, decryptFrame, encryptFrame, frameKeyId, importMediaKey, newSendKey, type SendKey } from './frame-crypto.ts';
import type { FromWorker, ToWorker, TransformOptions } from './worker-messages.ts';

/**
 * The Encoded Transform worker of an E2EE call: every sender and receiver of the page's peer connection pipes its
 * encoded frames through here. Outgoing frames are encrypted with this participant's current media key; a frame is
 * never sent in the clear, so frames before the first key are dropped. Incoming frames are decrypted with the key
 * their sender and key id name; one that does not decrypt is dropped and counted, never shown.
 */

interface ScriptTransformer {
  readonly readable: ReadableStream<RTCEncodedVideoFrame | RTCEncodedAudioFrame>;
  readonly writable: WritableStream<RTCEncodedVideoFrame | RTCEncodedAudioFrame>;
  readonly options: TransformOptions;
}
/** The worker's global scope, as far as used here (the web build has the DOM library, not the worker one). */
declare const self: {
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
  postMessage(message: FromWorker): void;
  onrtctransform: ((event: Event & { transformer: ScriptTransformer }) => void) | null;
};

/** Keys kept per sender: the current one and a few before it, for frames still in flight during a change. */
const KEPT_KEYS = 4;

let sendKey: SendKey | null = null;
const receiveKeys = new Map<string, Map<number, CryptoKey>>();
const counts = { encrypted: 0, decrypted: 0, dropped: 0, videoEncrypted: 0, videoEncryptMs: 0, videoDecrypted: 0, videoDecryptMs: 0 };

self.onmessage = (event: MessageEvent<ToWorker>) => {
  const m = event.data;
  switch (m.type) {
    case 'send-key':
      void newSendKey(m.keyId, m.key).then((k) => {
        if (!sendKey || k.keyId !== sendKey.keyId) sendKey = k;
      });
      return;
    case 'receive-key':
      void importMediaKey(m.key).then((key) => {
        const keys = receiveKeys.get(m.participantId) ?? new Map<number, CryptoKey>();
        keys.set(m.keyId, key);
        while (keys.size > KEPT_KEYS) keys.delete(keys.keys().next().value as number);
        receiveKeys.set(m.participantId, keys);
      });
      return;
    case 'forget':
      receiveKeys.delete(m.participantId);
      return;
    case 'stats':
      self.postMessage({ type: 'stats', ...counts });
      return;
    default:
      m satisfies never;
  }
};

self.onrtctransform = (event) => {
  const { readable, writable, options } = event.transformer;
  const transform = new TransformStream<RTCEncodedVideoFrame | RTCEncodedAudioFrame, RTCEncodedVideoFrame | RTCEncodedAudioFrame>({
    async transform(frame, controller) {
      const data = new Uint8Array(frame.data);
      if (options.role === 'send') {
        const key = sendKey;
        if (!key) return; // nothing leaves unencrypted
        const keyframe = 'type' in frame && frame.type === 'key';
        const started = performance.now();
        frame.data = (await encryptFrame(data, clearHeaderBytes(options.kind, keyframe), key)).buffer as ArrayBuffer;
        counts.encrypted++;
        if (options.kind === 'video') {
          counts.videoEncrypted++;
          counts.videoEncryptMs += performance.now() - started;
        }
        controller.enqueue(frame);
        return;
      }
      const keyId = frameKeyId(data);
      const key = keyId === null ? undefined : receiveKeys.get(options.participantId)?.get(keyId);
      const started = performance.now();
      const plain = key ? await decryptFrame(data, key) : null;
      if (!plain) {
        counts.dropped++;
        return;
      }
      frame.data = plain.buffer as ArrayBuffer;
      counts.decrypted++;
      if (options.kind === 'video') {
        counts.videoDecrypted++;
        counts.videoDecryptMs += performance.now() - started;
      }
      controller.enqueue(frame);
    },
  });
  void readable.pipeThrough(transform).pipeTo(writable).catch(() => undefined);
};
