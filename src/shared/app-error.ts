/**
 * One error type for everything Parley refuses on purpose. The code picks the HTTP status from the table
 * below; `userMessage` is safe to show; `internal` (optional) goes to the log, never to the client.
 */
export const errorCodes = {
  VALIDATION_FAILED: 400,
  MALFORMED_JSON: 400,
  INVALID_ID: 400,
  CONFIRMATION_FAILED: 400,
  UNAUTHENTICATED: 401,
  INVALID_CREDENTIALS: 401,
  TOTP_INVALID: 401,
  CSRF_FAILED: 403,
  FORBIDDEN: 403,
  TOTP_REQUIRED: 403,
  TOTP_ENROLMENT_REQUIRED: 403,
  NOT_FOUND: 404,
  JOIN_LINK_INVALID: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  EMAIL_TAKEN: 409,
  LAST_ADMIN: 409,
  SETUP_LINK_INVALID: 410,
  JOIN_LINK_EXPIRED: 410,
  JOIN_CALL_CANCELLED: 410,
  PAYLOAD_TOO_LARGE: 413,
  URI_TOO_LONG: 414,
  UNSUPPORTED_MEDIA_TYPE: 415,
  ACCOUNT_LOCKED: 423,
  RATE_LIMITED: 429,
  INTERNAL: 500,
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
