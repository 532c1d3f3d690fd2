/**
 * A refused or failed API call. `message` is the server's `error.message`, written for people, so pages show
 * it as is; `requestId` lets an administrator find the request in the server log.
 * Codes of our own for failures that never reached Parley: NETWORK, HTTP_ERROR, UNEXPECTED_RESPONSE.
 */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly requestId: string | null;
  readonly details: unknown;

  constructor(init: { status: number; code: string; message: string; requestId: string | null; details?: unknown; cause?: unknown }) {
    super(init.message, { cause: init.cause });
    this.name = 'ApiError';
    this.status = init.status;
    this.code = init.code;
    this.requestId = init.requestId;
    this.details = init.details;
  }
}

/** What to show for any thrown value: the API's message, or a generic one for programming errors. */
export function messageOf(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  return 'Something went wrong in this page. Reload it and try again.';
}

/**
 * Per-field messages from a VALIDATION_FAILED answer (`details: [{ path: ['dpoEmail'], message }]`), keyed by
 * the first path segment, so forms can show them beside the field they concern.
 */
export function fieldErrorsOf(error: unknown): Readonly<Record<string, string>> {
  if (!(error instanceof ApiError) || !Array.isArray(error.details)) return {};
  const out: Record<string, string> = {};
  for (const d of error.details as unknown[]) {
    if (typeof d !== 'object' || d === null) continue;
    const { path, message } = d as { path?: unknown; message?: unknown };
    const field = Array.isArray(path) ? path[0] : undefined;
    if (typeof field === 'string' && typeof message === 'string' && !(field in out)) out[field] = message;
  }
  return out;
}

/**
 * Like fieldErrorsOf, keyed by the whole path (`retention.recordingsDays`, `purposes.1.basis`), for forms whose
 * fields are nested.
 */
export function fieldErrorsByPathOf(error: unknown): Readonly<Record<string, string>> {
  if (!(error instanceof ApiError) || !Array.isArray(error.details)) return {};
  const out: Record<string, string> = {};
  for (const d of error.details as unknown[]) {
    if (typeof d !== 'object' || d === null) continue;
    const { path, message } = d as { path?: unknown; message?: unknown };
    if (!Array.isArray(path) || typeof message !== 'string') continue;
    const key = path.map(String).join('.');
    if (!(key in out)) out[key] = message;
  }
  return out;
}
