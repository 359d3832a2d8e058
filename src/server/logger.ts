import pino, { type Logger, type LoggerOptions } from 'pino';
import { maskDeep, maskPersonalData } from '../core/mask.js';

/**
 * Paths whose values are secrets and are removed from every log line, whatever their content:
 * authorization headers, platform signatures, tokens and passwords anywhere in a logged object.
 */
export const REDACTED_PATHS: readonly string[] = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-telegram-bot-api-secret-token"]',
  'req.headers["x-hub-signature-256"]',
  'req.headers["x-viber-content-signature"]',
  'headers.authorization',
  'token',
  'password',
  'secret',
  'playerToken',
  '*.token',
  '*.password',
  '*.secret',
  '*.playerToken',
  '*.accessToken',
  '*.apiKey',
];

/**
 * The product's logger: pino with secret paths redacted and personal data (cards, IBANs, e-mails,
 * phones) masked in every string field and in the message itself.
 *
 * @example const log = createLogger({ level: 'info' })
 */
export function createLogger(options: { level: string; destination?: pino.DestinationStream }): Logger {
  const config: LoggerOptions = {
    level: options.level,
    base: { service: 'croupier' },
    redact: { paths: [...REDACTED_PATHS], censor: '[redacted]' },
    formatters: {
      log: (object) => maskDeep(object) as Record<string, unknown>,
    },
    hooks: {
      logMethod(args, method) {
        const masked = args.map((arg) => (typeof arg === 'string' ? maskPersonalData(arg) : arg)) as Parameters<typeof method>;
        method.apply(this, masked);
      },
    },
    // Error messages and stacks can carry what a player typed: masked like everything else.
    serializers: { err: (error: Error) => maskDeep(pino.stdSerializers.err(error)) as Record<string, unknown> },
  };
  return options.destination ? pino(config, options.destination) : pino(config);
}
