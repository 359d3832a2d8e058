import Fastify, { type FastifyInstance } from 'fastify';

/** One Bot API call the bot made. */
export interface BotApiCall {
  readonly token: string;
  readonly method: string;
  readonly body: Record<string, unknown>;
}

/** A scripted answer: the HTTP status and the Bot API's JSON envelope. */
export interface ScriptedResponse {
  readonly status: number;
  readonly body: unknown;
}

/**
 * A small stand-in for https://api.telegram.org: records every `POST /bot<token>/<method>` call and
 * answers like the Bot API (`{ok: true, result}`), or with scripted failures (429 with
 * `parameters.retry_after`, 500, 403) queued per method.
 *
 * @example const api = await FakeBotApi.start(); api.failNext('sendMessage', tooManyRequests(3))
 */
export class FakeBotApi {
  readonly calls: BotApiCall[] = [];
  readonly #scripts = new Map<string, ScriptedResponse[]>();
  readonly #waiters: { match: (call: BotApiCall) => boolean; resolve: (call: BotApiCall) => void }[] = [];
  #messageId = 1000;
  /** Forum topics made by createForumTopic get thread ids from here on. */
  #threadId = 500;

  #url = '';
  private constructor(private readonly server: FastifyInstance) {}

  get url(): string {
    return this.#url;
  }

  static async start(): Promise<FakeBotApi> {
    const server = Fastify({ logger: false });
    const api = new FakeBotApi(server);
    server.all('/bot:token/:method', async (request, reply) => {
      const { token, method } = request.params as { token: string; method: string };
      const body = {
        ...((request.query as Record<string, unknown> | undefined) ?? {}),
        ...((request.body as Record<string, unknown> | null) ?? {}),
      };
      const answer = api.record({ token, method, body });
      // Long polling: nothing new. A real server holds the request for `timeout` seconds; a short
      // pause keeps a polling bot from spinning against this fake.
      if (method === 'getUpdates' && answer.status === 200) await new Promise((resolve) => setTimeout(resolve, 100).unref());
      return reply.status(answer.status).send(answer.body);
    });
    await server.listen({ port: 0, host: '127.0.0.1' });
    const address = server.server.address();
    api.#url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    return api;
  }

  /** The next `count` calls of `method` get these answers instead of success. */
  failNext(method: string, ...responses: ScriptedResponse[]): void {
    this.#scripts.set(method, [...(this.#scripts.get(method) ?? []), ...responses]);
  }

  callsOf(method: string): BotApiCall[] {
    return this.calls.filter((call) => call.method === method);
  }

  /** Resolves with the first call (already made or still to come) matching `match`, counting from `from`. */
  waitFor(method: string, match: (call: BotApiCall) => boolean = () => true, from = 0): Promise<BotApiCall> {
    const predicate = (call: BotApiCall) => call.method === method && match(call);
    const done = this.calls.slice(from).find(predicate);
    if (done) return Promise.resolve(done);
    return new Promise((resolve) => this.#waiters.push({ match: predicate, resolve }));
  }

  async close(): Promise<void> {
    await this.server.close();
  }

  private record(call: BotApiCall): ScriptedResponse {
    this.calls.push(call);
    for (const waiter of [...this.#waiters]) {
      if (waiter.match(call)) {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        waiter.resolve(call);
      }
    }
    const scripted = this.#scripts.get(call.method)?.shift();
    if (scripted) return scripted;
    return { status: 200, body: { ok: true, result: this.result(call) } };
  }

  private result(call: BotApiCall): unknown {
    const chatId = Number(call.body['chat_id']);
    // Negative ids are groups: supergroups (-100…) are where forum topics live.
    const chat =
      chatId < 0 ? { id: chatId, type: 'supergroup', title: 'Agents', is_forum: true } : { id: chatId, type: 'private', first_name: 'Ana' };
    const thread =
      typeof call.body['message_thread_id'] === 'number'
        ? { message_thread_id: call.body['message_thread_id'], is_topic_message: true }
        : {};
    const message = () => ({ message_id: ++this.#messageId, date: 1_767_225_600, chat, from: BOT_USER, ...thread });
    switch (call.method) {
      case 'getMe':
        return BOT_USER;
      case 'getUpdates':
        return [];
      case 'sendMessage':
        return { ...message(), text: call.body['text'], ...(call.body['reply_markup'] ? { reply_markup: call.body['reply_markup'] } : {}) };
      case 'sendPhoto':
        return { ...message(), photo: [{ file_id: 'sent-photo', file_unique_id: 'u1', width: 90, height: 90 }] };
      case 'sendDocument':
        return { ...message(), document: { file_id: 'sent-doc', file_unique_id: 'u2' } };
      case 'createForumTopic':
        return { message_thread_id: ++this.#threadId, name: call.body['name'], icon_color: call.body['icon_color'] ?? 0x6fb9f0 };
      default:
        return true;
    }
  }
}

export const BOT_USER = { id: 7_000_000_001, is_bot: true, first_name: 'Royal Ace Support', username: 'RoyalAceSupportBot' };

export function tooManyRequests(retryAfterSeconds: number): ScriptedResponse {
  return {
    status: 429,
    body: {
      ok: false,
      error_code: 429,
      description: `Too Many Requests: retry after ${retryAfterSeconds}`,
      parameters: { retry_after: retryAfterSeconds },
    },
  };
}

export function serverError(): ScriptedResponse {
  return { status: 500, body: { ok: false, error_code: 500, description: 'Internal Server Error' } };
}

export function blocked(): ScriptedResponse {
  return { status: 403, body: { ok: false, error_code: 403, description: 'Forbidden: bot was blocked by the user' } };
}
