/** The structured logger. Authorization headers are redacted; request bodies and URLs are never logged. */
import pino, { type Logger } from 'pino';

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      redact: { paths: ['req.headers.authorization', 'headers.authorization', 'authorization'], censor: '[redacted]' },
      base: { service: 'tokenscope' },
    },
    destination,
  );
}
