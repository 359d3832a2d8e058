import { platformError } from '../../src/core/delivery.js';
import type { CroupierError } from '../../src/core/errors.js';
import { CHANNEL } from './webhook.js';
import type { GraphMessage } from './render.js';

/** Graph error code: "Re-engagement message", more than 24 hours since the player last wrote. */
export const OUTSIDE_WINDOW = 131047;

/**
 * Graph error codes that mean "try again later" even when the HTTP status is 400: the throughput and
 * pair rate limits (4, 80007, 130429, 131056) and Meta's temporary failures (1, 2, 131000, 131016).
 * Everything else in a 4xx (bad parameter, unknown recipient, expired token…) is permanent.
 */
const RATE_LIMITED = new Set([4, 80007, 130429, 131056]);
const TEMPORARY = new Set([1, 2, 131000, 131016]);

/** A refusal from Graph because the 24-hour window is closed (the sender decides what to do). */
export class WindowClosed extends Error {
  constructor(readonly detail: string) {
    super(detail);
    this.name = 'WindowClosed';
  }
}

export interface GraphClientOptions {
  readonly graphUrl: string;
  readonly apiVersion: string;
  readonly phoneNumberId: string;
  readonly token: string;
  readonly timeoutMs?: number;
  readonly now: () => Date;
}

/**
 * `POST /{version}/{phone-number-id}/messages` with the access token. Failures become
 * {@link platformError}s the shared retry policy understands (429/5xx/network and the rate-limit
 * codes are retried, other 4xx are not), or {@link WindowClosed} for code 131047. The token is only
 * ever in the Authorization header: never in a URL, an error or a log line.
 */
export class GraphClient {
  readonly #url: string;
  constructor(private readonly options: GraphClientOptions) {
    const base = options.graphUrl.replace(/\/+$/, '');
    this.#url = `${base}/${options.apiVersion}/${encodeURIComponent(options.phoneNumberId)}/messages`;
  }

  /** Sends one message to a WhatsApp user and returns its wamid. */
  async send(to: string, message: GraphMessage): Promise<string | undefined> {
    let response: Response;
    try {
      response = await fetch(this.#url, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.options.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ messaging_product: 'whatsapp', recipient_type: 'individual', to, ...message }),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 15_000),
      });
    } catch (error) {
      const reason = error instanceof Error && error.name === 'TimeoutError' ? 'timed out' : 'unreachable';
      throw platformError(CHANNEL, undefined, `Graph API ${reason}`, { cause: error });
    }
    const body = await readJson(response);
    if (response.ok) {
      const messages = (body as { messages?: { id?: unknown }[] } | undefined)?.messages;
      const id = messages?.[0]?.id;
      return typeof id === 'string' ? id : undefined;
    }
    throw this.#failure(response, body);
  }

  #failure(response: Response, body: unknown): CroupierError | WindowClosed {
    const error = (body as { error?: { code?: unknown; message?: unknown; error_data?: { details?: unknown } } } | undefined)?.error;
    const code = typeof error?.code === 'number' ? error.code : undefined;
    const detail = typeof error?.error_data?.details === 'string' ? error.error_data.details : undefined;
    const text = typeof error?.message === 'string' ? error.message : response.statusText || 'error';
    const message = `Graph API ${response.status}${code === undefined ? '' : ` (code ${code})`}: ${text}${detail ? ` — ${detail}` : ''}`;
    if (code === OUTSIDE_WINDOW) return new WindowClosed(message);
    const retryAfterMs = retryAfter(response.headers.get('retry-after'), this.options.now());
    const options = retryAfterMs === undefined ? {} : { retryAfterMs };
    if (response.status === 429 || (code !== undefined && RATE_LIMITED.has(code))) return platformError(CHANNEL, 429, message, options);
    if (response.status < 500 && code !== undefined && TEMPORARY.has(code)) return platformError(CHANNEL, 503, message, options);
    return platformError(CHANNEL, response.status, message, options);
  }
}

async function readJson(response: Response): Promise<unknown> {
  try {
    return (await response.json()) as unknown;
  } catch {
    return undefined;
  }
}

/** An HTTP Retry-After: seconds, or a date. */
function retryAfter(header: string | null, now: Date): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now.getTime());
}
