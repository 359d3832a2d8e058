/**
 * Every error Croupier raises carries a stable `CROUPIER_*` code, created here and nowhere else.
 * Tests and operators match on codes, never on wording; a code is never reused for another meaning.
 *
 * Errors are split by origin, so a log line tells at once who has to act:
 * - `config`   the operator's croupier.yaml or environment is wrong
 * - `content`  an intents/ or flows/ file is wrong (the content team fixes it)
 * - `platform` a messenger API answered with an error
 * - `network`  a call could not reach its peer
 * - `handler`  our own code failed while serving a turn
 * - `input`    a caller sent something we refuse (bad body, bad signature)
 * - `store`    the database failed
 *
 * @example throw new CroupierError('CROUPIER_STORE_UNAVAILABLE', 'database is closed')
 */
export type ErrorOrigin = 'config' | 'content' | 'platform' | 'network' | 'handler' | 'input' | 'store';

/** The catalogue of codes: one line per code, with its origin and the HTTP status it maps to. */
export const ERROR_CODES = {
  CROUPIER_CONFIG_INVALID: { origin: 'config', status: 500 },
  CROUPIER_CONFIG_NOT_FOUND: { origin: 'config', status: 500 },
  CROUPIER_CONTENT_INVALID: { origin: 'content', status: 500 },
  CROUPIER_CONTENT_NOT_LOADED: { origin: 'content', status: 503 },
  CROUPIER_NLU_NO_EXAMPLES: { origin: 'content', status: 500 },
  CROUPIER_NLU_DATASET_INVALID: { origin: 'input', status: 400 },
  /** A model's data did not survive the trip from a training worker (sizes do not match). */
  CROUPIER_NLU_BAD_MODEL: { origin: 'handler', status: 500 },
  /** A training worker failed or exited; the caller trains on its own thread instead. */
  CROUPIER_NLU_TRAINING_FAILED: { origin: 'handler', status: 500 },
  CROUPIER_INPUT_INVALID: { origin: 'input', status: 400 },
  CROUPIER_INPUT_TOO_LARGE: { origin: 'input', status: 413 },
  CROUPIER_INPUT_UNAUTHORIZED: { origin: 'input', status: 401 },
  CROUPIER_INPUT_NOT_FOUND: { origin: 'input', status: 404 },
  CROUPIER_PIPELINE_STAGE_FAILED: { origin: 'handler', status: 500 },
  CROUPIER_PIPELINE_STAGE_INVALID: { origin: 'handler', status: 500 },
  CROUPIER_PIPELINE_NEXT_TWICE: { origin: 'handler', status: 500 },
  CROUPIER_PIPELINE_CLOSED: { origin: 'handler', status: 503 },
  CROUPIER_BOT_FAILED: { origin: 'handler', status: 500 },
  CROUPIER_STORE_FAILED: { origin: 'store', status: 500 },
  CROUPIER_STORE_UNAVAILABLE: { origin: 'store', status: 503 },
  CROUPIER_PLATFORM_API: { origin: 'platform', status: 502 },
  CROUPIER_NETWORK: { origin: 'network', status: 502 },
  /** WhatsApp: free-form messages are refused outside the 24-hour customer-service window. */
  CROUPIER_PLATFORM_WINDOW_CLOSED: { origin: 'platform', status: 409 },
  CROUPIER_TOKEN_INVALID: { origin: 'input', status: 401 },
  CROUPIER_CRM_TIMEOUT: { origin: 'network', status: 504 },
  CROUPIER_CRM_UNAVAILABLE: { origin: 'network', status: 502 },
  CROUPIER_CRM_NOT_FOUND: { origin: 'platform', status: 404 },
  CROUPIER_CRM_REJECTED: { origin: 'platform', status: 502 },
  CROUPIER_CRM_UNVERIFIED: { origin: 'input', status: 403 },
  CROUPIER_INPUT_FORBIDDEN: { origin: 'input', status: 403 },
  CROUPIER_INPUT_CONFLICT: { origin: 'input', status: 409 },
  CROUPIER_INPUT_RATE_LIMITED: { origin: 'input', status: 429 },
  // Human hand-off (src/handoff): refusals of the agent API, and log codes for alerts.
  CROUPIER_HANDOFF_AGENT_FULL: { origin: 'input', status: 409 },
  CROUPIER_HANDOFF_NOT_ELIGIBLE: { origin: 'input', status: 409 },
  CROUPIER_HANDOFF_TAKEN: { origin: 'input', status: 409 },
  CROUPIER_HANDOFF_CLOSED: { origin: 'input', status: 409 },
  /** Not an error: the stable code of the log line (and webhook) that reports an SLA breach. */
  CROUPIER_HANDOFF_SLA_BREACHED: { origin: 'handler', status: 500 },
  CROUPIER_HANDOFF_WEBHOOK_FAILED: { origin: 'network', status: 502 },
} as const satisfies Record<string, { origin: ErrorOrigin; status: number }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export class CroupierError extends Error {
  readonly code: ErrorCode;
  readonly origin: ErrorOrigin;
  readonly status: number;
  /** Extra, non-personal facts for the log (file, stage, channel…). */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CroupierError';
    this.code = code;
    this.origin = ERROR_CODES[code].origin;
    this.status = ERROR_CODES[code].status;
    this.details = options.details ?? {};
  }
}

export function isCroupierError(value: unknown, code?: ErrorCode): value is CroupierError {
  return value instanceof CroupierError && (code === undefined || value.code === code);
}

/** Wraps anything thrown into a CroupierError, keeping the original as `cause`. */
export function toCroupierError(value: unknown, fallback: ErrorCode, message?: string): CroupierError {
  if (value instanceof CroupierError) return value;
  const text = message ?? (value instanceof Error ? value.message : String(value));
  return new CroupierError(fallback, text, { cause: value });
}
