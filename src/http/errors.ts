import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError, errorCodes, type ErrorCode } from '../shared/app-error.ts';
import { issueInWords, validationSummary } from './validation-messages.ts';

/** Every error body Parley sends: a stable code, a message a person understands, the request id. */
export const errorBodySchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    requestId: z.string(),
    details: z.unknown().optional(),
  }),
});

function send(reply: FastifyReply, request: FastifyRequest, code: ErrorCode, message: string, details?: unknown) {
  return reply
    .code(errorCodes[code])
    .type('application/json; charset=utf-8')
    .send({ error: { code, message, requestId: request.id, ...(details === undefined ? {} : { details }) } });
}

/** Fastify's own errors for bad input, mapped to Parley codes. */
const fastifyCodes: Record<string, [ErrorCode, string]> = {
  FST_ERR_CTP_INVALID_JSON_BODY: ['MALFORMED_JSON', 'The request body is not valid JSON.'],
  FST_ERR_CTP_EMPTY_JSON_BODY: ['MALFORMED_JSON', 'The request body is empty; send a JSON object.'],
  FST_ERR_CTP_BODY_TOO_LARGE: ['PAYLOAD_TOO_LARGE', 'The request body is too large.'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: ['UNSUPPORTED_MEDIA_TYPE', 'Send the body as application/json.'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: ['VALIDATION_FAILED', 'The Content-Length header does not match the body.'],
  FST_ERR_MAX_PARAM_LENGTH: ['URI_TOO_LONG', 'The address is too long. Check that the link was copied exactly.'],
  FST_CSRF_INVALID_TOKEN: ['CSRF_FAILED', 'The form expired or came from another site. Reload the page and try again.'],
  FST_CSRF_MISSING_SECRET: ['CSRF_FAILED', 'The form expired or came from another site. Reload the page and try again.'],
};

export function handleError(err: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  if (err instanceof AppError) {
    if (err.status >= 500) request.log.error({ err, code: err.code }, 'request failed');
    return send(reply, request, err.code, err.userMessage, err.options.details);
  }
  if (hasZodFastifySchemaValidationErrors(err)) {
    const details = err.validation.map((v) => ({
      in: err.validationContext ?? 'body',
      path: v.instancePath.split('/').filter(Boolean),
      message: issueInWords({ keyword: v.keyword, message: v.message ?? '', params: v.params }),
    }));
    // People read the message (fields named in words); programs read `details` (with the full path of each problem).
    return send(reply, request, 'VALIDATION_FAILED', validationSummary(details), details);
  }
  if (isResponseSerializationError(err)) {
    request.log.error({ issues: err.cause.issues.map((i) => ({ path: i.path, code: i.code })) }, 'response failed its schema');
    return send(reply, request, 'INTERNAL', 'Something went wrong on our side. The error was logged.');
  }
  const mapped = err.code ? fastifyCodes[err.code] : undefined;
  if (mapped) return send(reply, request, mapped[0], mapped[1]);
  if (err.statusCode === 429) return send(reply, request, 'RATE_LIMITED', 'Too many attempts. Wait a minute and try again.');
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
    request.log.info({ code: err.code, status: err.statusCode }, 'client error');
    const code: ErrorCode = err.statusCode === 404 ? 'NOT_FOUND' : err.statusCode === 413 ? 'PAYLOAD_TOO_LARGE' : 'VALIDATION_FAILED';
    return reply.code(err.statusCode).send({ error: { code, message: 'The request could not be processed.', requestId: request.id } });
  }
  request.log.error({ err }, 'unexpected error');
  return send(reply, request, 'INTERNAL', 'Something went wrong on our side. The error was logged.');
}
