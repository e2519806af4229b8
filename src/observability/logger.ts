import pino, { type Logger } from 'pino';

/**
 * The server's logger. Paths that can hold a code, a secret or a phone number are censored at the
 * source, whatever a later log line adds; request bodies are never logged at all.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers.cookie',
          'oneTimePassword',
          'code',
          'otp',
          'password',
          'secret',
          'phone',
          'phoneNumber',
          '*.oneTimePassword',
          '*.code',
          '*.otp',
          '*.secret',
          '*.phone',
          '*.phoneNumber',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
