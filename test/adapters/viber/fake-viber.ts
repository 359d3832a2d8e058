import { createHmac } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';

/** One call the fake received: which method, with which token, and the JSON body. */
export interface FakeCall {
  readonly method: string;
  readonly token: string | undefined;
  readonly body: Record<string, unknown>;
  /** The message_token a successful send_message answered with. */
  messageToken?: string;
}

/**
 * A local stand-in for the Viber REST API (https://chatapi.viber.com/pa), built from its documented
 * requests and answers: every call needs X-Viber-Auth-Token, answers are HTTP 200 with `status`
 * (0 = ok), and send_message answers with a 64-bit `message_token` written as a bare JSON number.
 * Tests queue answers with `answerNext` (a Viber status, or an HTTP status to fail with).
 */
export class FakeViber {
  readonly calls: FakeCall[] = [];
  readonly #queued: { viberStatus?: number; httpStatus?: number; retryAfter?: number; message?: string }[] = [];
  readonly #waiters: { count: number; resolve: () => void }[] = [];
  #nextToken = 5741311803571721087n;
  #held: Promise<void> | undefined;
  #release: (() => void) | undefined;

  #url = '';

  private constructor(
    private readonly server: FastifyInstance,
    private readonly token: string,
  ) {
    server.post('/pa/:method', async (request, reply) => {
      const { method } = request.params as { method: string };
      return this.#answer(method, request.headers['x-viber-auth-token'] as string | undefined, request.body, reply);
    });
  }

  /** The fake's API root, what `channels.viber.apiUrl` points at. */
  get url(): string {
    return this.#url;
  }

  static async start(token: string): Promise<FakeViber> {
    const server = Fastify({ logger: false });
    const fake = new FakeViber(server, token);
    await server.listen({ port: 0, host: '127.0.0.1' });
    const address = server.server.address();
    fake.#url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/pa`;
    return fake;
  }

  /** The next call gets this Viber status (HTTP 200), or fails with this HTTP status. */
  answerNext(answer: { viberStatus?: number; httpStatus?: number; retryAfter?: number; message?: string }): void {
    this.#queued.push(answer);
  }

  /** Answers nothing until `release()`: a slow Viber API. */
  hold(): void {
    this.#held = new Promise((resolve) => (this.#release = resolve));
  }

  release(): void {
    this.#release?.();
    this.#held = undefined;
  }

  /** Calls of one method. */
  sent(method = 'send_message'): FakeCall[] {
    return this.calls.filter((call) => call.method === method);
  }

  /** Resolves once `count` calls in all have arrived. */
  waitForCalls(count: number): Promise<void> {
    if (this.calls.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ count, resolve }));
  }

  async close(): Promise<void> {
    await this.server.close();
  }

  async #answer(method: string, token: string | undefined, body: unknown, reply: FastifyReply): Promise<FastifyReply> {
    const held = this.#held;
    const call = this.#record(method, token, body);
    if (held) await held;
    return this.#respond(call, reply);
  }

  #record(method: string, token: string | undefined, body: unknown): FakeCall {
    const call: FakeCall = { method, token, body: (body ?? {}) as Record<string, unknown> };
    this.calls.push(call);
    for (const waiter of [...this.#waiters]) {
      if (this.calls.length >= waiter.count) {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
    return call;
  }

  #respond(call: FakeCall, reply: FastifyReply): FastifyReply {
    const { method, token, body } = call;
    const json = (text: string, code = 200) => reply.status(code).type('application/json').send(text);
    if (token !== this.token) return json('{"status":2,"status_message":"invalidAuthToken"}');
    const queued = this.#queued.shift();
    if (queued?.retryAfter !== undefined) void reply.header('retry-after', String(queued.retryAfter));
    if (queued?.httpStatus !== undefined) return json('{"error":"unavailable"}', queued.httpStatus);
    if (queued?.viberStatus !== undefined && queued.viberStatus !== 0) {
      return json(JSON.stringify({ status: queued.viberStatus, status_message: queued.message ?? 'error' }));
    }
    if (method === 'send_message') {
      const messageToken = (this.#nextToken++).toString();
      call.messageToken = messageToken;
      return json(`{"status":0,"status_message":"ok","message_token":${messageToken},"chat_hostname":"SN-CHAT-05_","billing_status":1}`);
    }
    if (method === 'set_webhook') {
      const events = (body as { event_types?: unknown }).event_types ?? [];
      return json(JSON.stringify({ status: 0, status_message: 'ok', event_types: events }));
    }
    return json('{"status":0,"status_message":"ok"}');
  }
}

/** X-Viber-Content-Signature: hex HMAC-SHA256 of the raw body under the bot's auth token. */
export function sign(token: string, body: string): string {
  return createHmac('sha256', token).update(body).digest('hex');
}
