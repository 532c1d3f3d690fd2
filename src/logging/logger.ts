import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * Parley's logs hold ids, never names, emails, IP addresses or secrets (G24). The request serializer keeps
 * only the method and the route pattern (not the raw URL, which can carry tokens), and redaction is a second
 * net for fields that must never appear.
 */
export function createLogger(options: { level: string; destination?: pino.DestinationStream }): Logger {
  return pino(
    {
      level: options.level,
      base: undefined,
      redact: {
        paths: [
          'req.headers',
          'headers',
          '*.password',
          '*.email',
          '*.token',
          '*.secret',
          'password',
          'email',
          'token',
          'secret',
        ],
        censor: '[redacted]',
      },
      serializers: {
        err: pino.stdSerializers.err,
      },
    },
    options.destination,
  );
}
