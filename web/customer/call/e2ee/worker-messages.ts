/** What the page tells the frame worker (keys arrive as raw bytes and are imported there, non-extractable). */
export type ToWorker =
  | { type: 'send-key'; keyId: number; key: Uint8Array }
  | { type: 'receive-key'; participantId: string; keyId: number; key: Uint8Array }
  | { type: 'forget'; participantId: string }
  | { type: 'stats' };

export type FromWorker = {
  type: 'stats';
  encrypted: number;
  decrypted: number;
  dropped: number;
  /** Video frames encrypted / decrypted and the time spent in AES-GCM for them, in ms (what E2EE costs per stream). */
  videoEncrypted: number;
  videoEncryptMs: number;
  videoDecrypted: number;
  videoDecryptMs: number;
};

/** The options each RTCRtpScriptTransform is made with. */
export type TransformOptions = { role: 'send'; kind: 'audio' | 'video' } | { role: 'receive'; kind: 'audio' | 'video'; participantId: string };
