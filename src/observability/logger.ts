import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

export type LogFormat = 'pretty' | 'json';

/** JSON lines for machines in production, readable lines for a person at `npm start`, unless configured. */
export function logFormatOf(config: { mode: string; server: { logFormat?: LogFormat | undefined } }): LogFormat {
  return config.server.logFormat ?? (config.mode === 'production' ? 'json' : 'pretty');
}

/**
 * The server's logger. Paths that can hold a code, a secret or a phone number are censored at the
 * source, whatever a later log line adds; request bodies are never logged at all.
 */
export function createLogger(level: string, destination?: pino.DestinationStream, format: LogFormat = 'json'): Logger {
  // Pretty lines are formatted from the redacted JSON, so redaction holds in both formats.
  const out =
    format === 'pretty'
      ? pretty({
          destination: destination ?? 1,
          sync: true,
          colorize: destination === undefined && process.stdout.isTTY,
          translateTime: 'SYS:HH:MM:ss.l',
          ignore: 'pid,hostname',
        })
      : destination;
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
    out,
  );
}
