import { isSafeNumber, parse } from 'lossless-json';
import { platformError } from '../../src/core/delivery.js';
import { CroupierError } from '../../src/core/errors.js';

export const CHANNEL = 'viber';

/** The environment variable holding the bot's authentication token (never croupier.yaml). */
export const TOKEN_VARIABLE = 'VIBER_AUTH_TOKEN';

/**
 * The callbacks we ask for when registering the webhook. `message`, `subscribed` and
 * `unsubscribed` always come, whatever this list says; `webhook` is Viber's availability check.
 */
export const EVENT_TYPES = ['delivered', 'seen', 'failed', 'subscribed', 'unsubscribed', 'conversation_started'] as const;

/** Viber's application-level status codes (HTTP stays 200); 0 is success. */
export const VIBER_STATUS: Readonly<Record<number, string>> = {
  1: 'invalidUrl',
  2: 'invalidAuthToken',
  3: 'badData',
  4: 'missingData',
  5: 'receiverNotRegistered',
  6: 'receiverNotSubscribed',
  7: 'publicAccountBlocked',
  8: 'publicAccountNotFound',
  9: 'publicAccountSuspended',
  10: 'webhookNotSet',
  11: 'receiverNoSuitableDevice',
  12: 'tooManyRequests',
  13: 'apiVersionNotSupported',
  14: 'incompatibleWithVersion',
  15: 'publicAccountNotAuthorized',
  16: 'inboxMessageStateMismatch',
  17: 'unsupportedMessageType',
  18: 'messageRateExceeded',
  19: 'editMessageFailed',
  20: 'unsupportedMedia',
};

/**
 * Parses Viber JSON without rounding: `message_token` is a 64-bit integer, which `JSON.parse`
 * would silently round above 2^53. Numbers that fit a double exactly stay numbers; the others
 * stay the exact digit strings Viber sent.
 */
export function parseViberJson(body: Buffer | string): unknown {
  const text = Buffer.isBuffer(body) ? body.toString('utf8') : body;
  try {
    return parse(text, null, (value) => (isSafeNumber(value) ? Number(value) : value));
  } catch {
    throw new CroupierError('CROUPIER_INPUT_INVALID', 'the body is not valid JSON');
  }
}

/** A 64-bit id as Viber sent it, exact: digits in a string. */
export function exactId(value: unknown): string | undefined {
  if (typeof value === 'string' && /^\d{1,20}$/.test(value)) return value;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return String(value);
  return undefined;
}

/**
 * The HTTP status a failed Viber call stands for, so the shared retry policy decides: only the
 * rate limit (12) and unknown "general" errors are worth another try; a bad token, a player who
 * unsubscribed or a malformed message fail at once.
 */
export function statusFor(viberStatus: number): number {
  switch (viberStatus) {
    case 12:
    case 18:
      return 429;
    case 2:
    case 15:
      return 401;
    case 5:
    case 6:
    case 7:
    case 8:
    case 9:
      return 403;
    case 10:
      return 409;
    default:
      return VIBER_STATUS[viberStatus] === undefined ? 503 : 400;
  }
}

export interface ViberApiOptions {
  /** e.g. https://chatapi.viber.com/pa */
  readonly apiUrl: string;
  readonly token: string;
  readonly timeoutMs?: number;
}

/**
 * The few Viber REST calls Croupier makes, with fetch. Every failure becomes a `platformError`
 * (HTTP errors, network errors, and Viber's `status` != 0 on an HTTP 200), never a raw exception,
 * and no message ever carries the token.
 */
export class ViberApi {
  readonly #base: string;
  readonly #token: string;
  readonly #timeoutMs: number;

  constructor(options: ViberApiOptions) {
    this.#base = options.apiUrl.replace(/\/+$/, '');
    this.#token = options.token;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** POSTs `body` to `<apiUrl>/<method>`; resolves with Viber's answer when its status is 0. */
  async call(method: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    let response: Response;
    try {
      response = await fetch(`${this.#base}/${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-viber-auth-token': this.#token },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (error) {
      const reason = error instanceof Error && error.name === 'TimeoutError' ? 'timed out' : 'could not reach the Viber API';
      throw platformError(CHANNEL, undefined, `${method}: ${reason}`, { cause: error });
    }
    const text = await response.text().catch(() => '');
    if (!response.ok) {
      const retryAfter = Number(response.headers.get('retry-after'));
      throw platformError(CHANNEL, response.status, `${method}: HTTP ${response.status}`, {
        ...(Number.isFinite(retryAfter) && retryAfter >= 0 ? { retryAfterMs: retryAfter * 1000 } : {}),
      });
    }
    let answer: unknown;
    try {
      answer = parseViberJson(text);
    } catch {
      throw platformError(CHANNEL, 502, `${method}: the answer is not JSON`);
    }
    if (answer === null || typeof answer !== 'object' || Array.isArray(answer)) {
      throw platformError(CHANNEL, 502, `${method}: the answer is not a JSON object`);
    }
    const result = answer as Record<string, unknown>;
    const status = typeof result['status'] === 'number' ? result['status'] : Number(result['status']);
    if (status !== 0) {
      const name = VIBER_STATUS[status] ?? 'generalError';
      const said = typeof result['status_message'] === 'string' ? result['status_message'].slice(0, 200) : '';
      throw platformError(
        CHANNEL,
        statusFor(status),
        `${method}: status ${Number.isFinite(status) ? status : '?'} ${name}${said && said !== name ? ` (${said})` : ''}`,
      );
    }
    return result;
  }

  /** Sends one message; resolves with its exact `message_token`, when Viber gave one. */
  async sendMessage(message: Record<string, unknown>): Promise<string | undefined> {
    const answer = await this.call('send_message', message);
    return exactId(answer['message_token']);
  }

  /** Registers (or, with an empty url, removes) the webhook. */
  async setWebhook(url: string, eventTypes: readonly string[] = EVENT_TYPES): Promise<Record<string, unknown>> {
    return this.call('set_webhook', { url, event_types: eventTypes, send_name: true, send_photo: false });
  }
}
