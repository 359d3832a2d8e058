import type { ConfigurationBotFrameworkAuthentication } from 'botbuilder';
import { isCroupierError, type CroupierError } from '../../src/core/errors.js';
import { platformError } from '../../src/core/delivery.js';
import { CHANNEL } from './activity.js';

type ConnectorClientOptions = NonNullable<ConstructorParameters<typeof ConfigurationBotFrameworkAuthentication>[4]>;
type ConnectorHttpClient = NonNullable<ConnectorClientOptions['httpClient']>;

/** The slice of `@azure/core-http-compat`'s WebResourceLike the connector client hands us. */
interface ConnectorRequest {
  readonly url: string;
  readonly method: string;
  readonly body?: unknown;
  readonly headers: { rawHeaders(): Record<string, string> };
  readonly abortSignal?: AbortSignal;
}

/** Response headers in the shape the compat layer reads back (`toJson`, `get`). */
class ResponseHeaders {
  readonly #values = new Map<string, { name: string; value: string }>();
  constructor(headers: Headers) {
    headers.forEach((value, name) => this.#values.set(name.toLowerCase(), { name, value }));
  }
  get(name: string): string | undefined {
    return this.#values.get(name.toLowerCase())?.value;
  }
  contains(name: string): boolean {
    return this.#values.has(name.toLowerCase());
  }
  set(name: string, value: string | number): void {
    this.#values.set(name.toLowerCase(), { name, value: String(value) });
  }
  remove(name: string): boolean {
    return this.#values.delete(name.toLowerCase());
  }
  rawHeaders(): Record<string, string> {
    return this.toJson();
  }
  toJson(options: { preserveCase?: boolean } = {}): Record<string, string> {
    const json: Record<string, string> = {};
    for (const [key, { name, value }] of this.#values) json[options.preserveCase ? name : key] = value;
    return json;
  }
  headersArray(): { name: string; value: string }[] {
    return [...this.#values.values()];
  }
  headerNames(): string[] {
    return [...this.#values.values()].map((header) => header.name);
  }
  headerValues(): string[] {
    return [...this.#values.values()].map((header) => header.value);
  }
  clone(): ResponseHeaders {
    const copy = new ResponseHeaders(new Headers());
    for (const header of this.#values.values()) copy.set(header.name, header.value);
    return copy;
  }
}

/** Retry-After as seconds or an HTTP date, in milliseconds. */
export function retryAfterMs(value: string | null, now: number = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * The HTTP client under the SDK's connector client. The SDK's own pipeline retries 429 and 5xx by
 * itself (@azure/core-rest-pipeline's default retry policy, with real sleeps), which would hide
 * failures from Croupier's one retry policy. Throwing a coded error from below that pipeline stops
 * it (it retries only its own RestErrors): every non-2xx answer and network failure becomes a
 * {@link platformError}, and `src/core/delivery.ts` decides about retries, honouring Retry-After.
 */
export function connectorHttpClient(timeoutMs: number): ConnectorHttpClient {
  const client = {
    async sendRequest(request: ConnectorRequest) {
      const signal = request.abortSignal
        ? AbortSignal.any([request.abortSignal, AbortSignal.timeout(timeoutMs)])
        : AbortSignal.timeout(timeoutMs);
      let response: globalThis.Response;
      try {
        response = await fetch(request.url, {
          method: request.method,
          headers: request.headers.rawHeaders(),
          ...(typeof request.body === 'string' ? { body: request.body } : {}),
          signal,
        });
      } catch (error) {
        throw platformError(CHANNEL, undefined, 'the Bot Connector could not be reached', { cause: error });
      }
      const bodyAsText = await response.text();
      if (!response.ok) {
        const wait = retryAfterMs(response.headers.get('retry-after'));
        throw platformError(
          CHANNEL,
          response.status,
          `the Bot Connector answered ${response.status}`,
          wait === undefined ? {} : { retryAfterMs: wait },
        );
      }
      return { request, status: response.status, headers: new ResponseHeaders(response.headers), bodyAsText };
    },
  };
  return client as unknown as ConnectorHttpClient;
}

/** Whatever a send threw, as a coded platform error (token failures and the like count as network). */
export function asPlatformError(error: unknown): CroupierError {
  if (isCroupierError(error)) return error;
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  const message = error instanceof Error ? error.message : String(error);
  return platformError(CHANNEL, typeof status === 'number' ? status : undefined, `sending failed: ${message}`, { cause: error });
}
