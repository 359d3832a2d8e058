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
        // pino takes a lone error's message (or `{ err }`'s) as the line's message, unmasked: give it one to mask
        const withMessage: unknown[] = args.length === 1 && loneError(args[0]) ? [args[0], loneError(args[0])?.message] : args;
        // the first argument is the merge object (masked by `formatters.log`); later ones are printf values
        const masked = withMessage.map((arg, i) =>
          typeof arg === 'string' ? maskPersonalData(arg) : i === 0 ? arg : maskDeep(arg),
        ) as Parameters<typeof method>;
        method.apply(this, masked);
      },
    },
    // `formatters.log` runs before serializers and has already turned errors into masked plain
    // objects (keeping type, code and cause); this catches an error that reaches a serializer as is.
    serializers: { err: (error: unknown) => (error instanceof Error ? maskDeep(error) : error) },
  };
  const logger = options.destination ? pino(config, options.destination) : pino(config);
  // pino gives child bindings (`log.child({ userId })`) to no formatter: mask them on the way in.
  // Set once on the root; children inherit it and `this` is the logger being extended.
  const patchable = logger as unknown as { child: ChildFactory };
  const { child } = patchable;
  patchable.child = function (this: Logger, bindings: pino.Bindings, childOptions?: pino.ChildLoggerOptions) {
    return child.call(this, maskDeep(bindings) as pino.Bindings, childOptions);
  };
  return logger;
}

type ChildFactory = (this: Logger, bindings: pino.Bindings, options?: pino.ChildLoggerOptions) => Logger;

function loneError(arg: unknown): Error | undefined {
  if (arg instanceof Error) return arg;
  if (typeof arg === 'object' && arg !== null && 'err' in arg && arg.err instanceof Error) return arg.err;
  return undefined;
}
