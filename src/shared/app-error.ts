/**
 * One error type for everything Parley refuses on purpose. The code picks the HTTP status from the table
 * below; `userMessage` is safe to show; `internal` (optional) goes to the log, never to the client.
 */
export const errorCodes = {
  VALIDATION_FAILED: 400,
  MALFORMED_JSON: 400,
  INVALID_ID: 400,
  CONFIRMATION_FAILED: 400,
  /** A wrong one-time code on a rights request; the message says how many attempts remain. */
  CODE_WRONG: 400,
  UNAUTHENTICATED: 401,
  /** `GET /metrics` without the right bearer token (PARLEY_METRICS_TOKEN). */
  METRICS_TOKEN_INVALID: 401,
  INVALID_CREDENTIALS: 401,
  TOTP_INVALID: 401,
  /** A TOTP code that was right but already used (replay): wait for the next one. */
  TOTP_REPLAYED: 401,
  /** A recovery code that is unknown or already used. */
  RECOVERY_CODE_INVALID: 401,
  CSRF_FAILED: 403,
  FORBIDDEN: 403,
  TOTP_REQUIRED: 403,
  TOTP_ENROLMENT_REQUIRED: 403,
  /** Recording playback: the caller's role is not one the organisation allows to play recordings (G22). */
  PLAYBACK_ROLE_REQUIRED: 403,
  /** Recording playback needs a GDPR training attestation within PARLEY_TRAINING_VALID_DAYS. */
  TRAINING_REQUIRED: 403,
  /** A recording link used by a signed-in person other than the one it was issued to. */
  LINK_NOT_YOURS: 403,
  /** A GDPR training attestation for oneself: someone else (an admin or the DPO) must record it. */
  SELF_ATTESTATION: 403,
  /** An E2EE track's chunks come only from the browser of the agent who records the call. */
  NOT_THE_RECORDER: 403,
  NOT_FOUND: 404,
  /** `GET /metrics` on a node where PARLEY_METRICS_TOKEN is not set: metrics are off. */
  METRICS_OFF: 404,
  JOIN_LINK_INVALID: 404,
  /** A recording link that is forged, garbled or not of this organisation: one answer for all of them. */
  LINK_INVALID: 404,
  /** An access-export download link that is forged, garbled or for another export. */
  EXPORT_LINK_INVALID: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  EMAIL_TAKEN: 409,
  LAST_ADMIN: 409,
  /** A recorded track still being written, failed, or erased: there is nothing to play. */
  TRACK_NOT_PLAYABLE: 409,
  /** A legal-obligation recording inside its minimum retention period (G56): it cannot be deleted yet. */
  LEGAL_MINIMUM: 409,
  /** The item is under an active legal hold (G37): it cannot be deleted until the hold is released or ends. */
  LEGAL_HOLD: 409,
  /** An erasure confirmed on a preview that no longer matches what it would do (data or holds changed): look again. */
  ERASURE_PREVIEW_STALE: 409,
  /** An E2EE recording chunk that is not the next one expected; `details.expected` says where to resume. */
  CHUNK_OUT_OF_ORDER: 409,
  /** An E2EE recording chunk sent again with different content than the one stored under that index. */
  CHUNK_CONFLICT: 409,
  /** An E2EE track's envelope must come before its first chunk, and cannot be changed. */
  ENVELOPE_REQUIRED: 409,
  ENVELOPE_CONFLICT: 409,
  /** No recording key is set up for E2EE calls: a DPO creates one in the console first. */
  RECORDING_KEY_MISSING: 409,
  /** An authority's retention extension asked for a recording it cannot apply to (consent recording, > 7 years). */
  RETENTION_EXTENSION_REFUSED: 400,
  /** A breach notified to the authority more than 72 h after awareness, without the reasons for the delay (G49). */
  LATE_NOTIFICATION_REASON_REQUIRED: 400,
  /** The "data was encrypted" exemption from telling data subjects, without a statement that the keys are safe (G50). */
  KEYS_STATEMENT_REQUIRED: 400,
  SETUP_LINK_INVALID: 410,
  JOIN_LINK_EXPIRED: 410,
  JOIN_CALL_CANCELLED: 410,
  LINK_EXPIRED: 410,
  /** An access-export download link past its expiry: ask for a new one on the request page. */
  EXPORT_LINK_EXPIRED: 410,
  /** The access export itself expired, failed or was erased: nothing to download any more. */
  EXPORT_GONE: 410,
  /** A rights request's one-time code ran out (15 minutes) or was used: ask for a new one. */
  CODE_EXPIRED: 410,
  /** The E2EE track no longer accepts chunks (the person withdrew, the recording stopped, the call ended). */
  TRACK_ENDED: 410,
  PAYLOAD_TOO_LARGE: 413,
  CHUNK_TOO_LARGE: 413,
  URI_TOO_LONG: 414,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RANGE_NOT_SATISFIABLE: 416,
  ACCOUNT_LOCKED: 423,
  /** A rights request after too many wrong one-time codes: only the DPO can help now (G31). */
  RIGHTS_REQUEST_LOCKED: 423,
  /** Processing of the recording is restricted (G20): stored, but not played, exported or downloaded. */
  RECORDING_RESTRICTED: 423,
  /** Processing of everything about a data subject is restricted (G20): no playback, export or deletion. */
  SUBJECT_RESTRICTED: 423,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  /** A recorded track's ciphertext failed authentication: altered or damaged in storage. */
  RECORDING_CORRUPT: 500,
  NOT_READY: 503,
} as const;

export type ErrorCode = keyof typeof errorCodes;

export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    readonly userMessage: string,
    readonly options: { internal?: string; details?: unknown; cause?: unknown } = {},
  ) {
    super(options.internal ?? userMessage, { cause: options.cause });
    this.name = 'AppError';
    this.status = errorCodes[code];
  }
}

export const notFound = (what: string) => new AppError('NOT_FOUND', `${what} not found.`);
export const forbidden = (why = 'Your role does not allow this.') => new AppError('FORBIDDEN', why);
