import { createHmac } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';

/** One `POST /{version}/{phone-number-id}/messages` the fake received. */
export interface GraphCall {
  readonly version: string;
  readonly phoneNumberId: string;
  readonly authorization: string | undefined;
  readonly body: Record<string, unknown> & { type: string; to: string };
}

interface Scripted {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Record<string, string>;
}

/**
 * A local stand-in for the Graph API's Messages endpoint, answering as Meta documents it:
 * `{ messaging_product, contacts: [{ input, wa_id }], messages: [{ id: "wamid…" }] }` on success and
 * `{ error: { message, type, code, error_data, fbtrace_id } }` on failure. Every call is recorded;
 * `failNext` scripts the next answers; `waitForCalls` resolves when enough calls arrived (no sleeping).
 */
export class FakeGraph {
  readonly calls: GraphCall[] = [];
  readonly #script: (Scripted | null)[] = [];
  readonly #waiters: { count: number; resolve: () => void }[] = [];
  #server: FastifyInstance | undefined;
  url = '';

  static async start(): Promise<FakeGraph> {
    const fake = new FakeGraph();
    const server = Fastify();
    server.post<{ Params: { version: string; phoneNumberId: string } }>('/:version/:phoneNumberId/messages', async (request, reply) => {
      const body = request.body as GraphCall['body'];
      fake.calls.push({
        version: request.params.version,
        phoneNumberId: request.params.phoneNumberId,
        authorization: request.headers.authorization,
        body,
      });
      for (const waiter of [...fake.#waiters]) {
        if (fake.calls.length >= waiter.count) {
          fake.#waiters.splice(fake.#waiters.indexOf(waiter), 1);
          waiter.resolve();
        }
      }
      const scripted = fake.#script.shift() ?? null;
      if (scripted !== null)
        return reply
          .status(scripted.status)
          .headers(scripted.headers ?? {})
          .send(scripted.body);
      return {
        messaging_product: 'whatsapp',
        contacts: [{ input: body.to, wa_id: body.to }],
        messages: [{ id: `wamid.OUT${fake.calls.length}` }],
      };
    });
    fake.url = await server.listen({ port: 0, host: '127.0.0.1' });
    fake.#server = server;
    return fake;
  }

  /** The next scripted answer is a success (so a later `failNext` hits a later call). */
  succeedNext(): void {
    this.#script.push(null);
  }

  /** The next scripted answer is this error (then back to success). */
  failNext(status: number, error: { code: number; message?: string; details?: string } | string, headers?: Record<string, string>): void {
    const body =
      typeof error === 'string'
        ? error
        : {
            error: {
              message: error.message ?? `(#${error.code}) error`,
              type: 'OAuthException',
              code: error.code,
              ...(error.details ? { error_data: { messaging_product: 'whatsapp', details: error.details } } : {}),
              fbtrace_id: 'AbCdEf123',
            },
          };
    this.#script.push({ status, body, ...(headers ? { headers } : {}) });
  }

  /** Resolves once at least `count` calls arrived in all. */
  waitForCalls(count: number): Promise<void> {
    if (this.calls.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ count, resolve }));
  }

  async close(): Promise<void> {
    await this.#server?.close();
  }
}

// ---- Webhook notifications as Meta documents them (Webhooks reference → messages) -----------------

export const PHONE_NUMBER_ID = '106540352242922';
export const PLAYER = '34612345678';
export const APP_SECRET = 'test-app-secret-0123456789';
export const VERIFY_TOKEN = 'test-verify-token-abcdef';
export const ACCESS_TOKEN = 'EAAtestaccesstoken0123456789';

type Message = Record<string, unknown>;

function envelope(value: Record<string, unknown>): Record<string, unknown> {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '102290129340398',
        changes: [
          {
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550783881', phone_number_id: PHONE_NUMBER_ID },
              ...value,
            },
            field: 'messages',
          },
        ],
      },
    ],
  };
}

/** A `messages` notification with these messages, from `from` (profile name "Lucía"). */
export function messages(list: Message[], from = PLAYER): Record<string, unknown> {
  return envelope({ contacts: [{ profile: { name: 'Lucía' }, wa_id: from }], messages: list });
}

const seconds = (at: Date) => String(Math.floor(at.getTime() / 1000));

export function text(id: string, body: string, at: Date, from = PLAYER): Message {
  return { from, id, timestamp: seconds(at), text: { body }, type: 'text' };
}

export function buttonReply(id: string, replyId: string, title: string, at: Date, context = 'wamid.OUT1', from = PLAYER): Message {
  return {
    context: { from: '15550783881', id: context },
    from,
    id,
    timestamp: seconds(at),
    type: 'interactive',
    interactive: { type: 'button_reply', button_reply: { id: replyId, title } },
  };
}

export function listReply(id: string, rowId: string, title: string, at: Date, context = 'wamid.OUT1', from = PLAYER): Message {
  return {
    context: { from: '15550783881', id: context },
    from,
    id,
    timestamp: seconds(at),
    type: 'interactive',
    interactive: { type: 'list_reply', list_reply: { id: rowId, title, description: '' } },
  };
}

/** A quick-reply button of a template message. */
export function templateButton(id: string, payload: string, buttonText: string, at: Date, from = PLAYER): Message {
  return {
    context: { from: '15550783881', id: 'wamid.TEMPLATE' },
    from,
    id,
    timestamp: seconds(at),
    type: 'button',
    button: { payload, text: buttonText },
  };
}

export function image(id: string, at: Date, caption?: string, from = PLAYER): Message {
  return {
    from,
    id,
    timestamp: seconds(at),
    type: 'image',
    image: {
      ...(caption ? { caption } : {}),
      mime_type: 'image/jpeg',
      sha256: 'b1d1b0f1c6a5b3e0b8a2f0c1d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0',
      id: '1003383421387256',
    },
  };
}

/** A `statuses` notification (sent, delivered, read, failed) about a message we sent. */
export function statuses(
  list: { id: string; status: string; at: Date; errorCode?: number }[],
  recipient = PLAYER,
): Record<string, unknown> {
  return envelope({
    statuses: list.map((s) => ({
      id: s.id,
      status: s.status,
      timestamp: seconds(s.at),
      recipient_id: recipient,
      ...(s.status === 'failed'
        ? {
            errors: [
              {
                code: s.errorCode ?? 131026,
                title: s.errorCode === 131047 ? 'Re-engagement message' : 'Message undeliverable',
                message: s.errorCode === 131047 ? 'Re-engagement message' : 'Message undeliverable',
                error_data: { details: 'Message failed to send.' },
              },
            ],
          }
        : {
            conversation: { id: 'CONVERSATION_ID', origin: { type: 'service' } },
            pricing: { billable: true, pricing_model: 'PMP', category: 'service' },
          }),
    })),
  });
}

export function sign(body: string, secret = APP_SECRET): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** POSTs a notification to the webhook, signed with the app secret unless told otherwise. */
export async function post(
  baseUrl: string,
  notification: unknown,
  options: { signature?: string | null } = {},
): Promise<{ status: number; json: Record<string, unknown> }> {
  const body = typeof notification === 'string' ? notification : JSON.stringify(notification);
  const signature = options.signature === undefined ? sign(body) : options.signature;
  const response = await fetch(`${baseUrl}/webhooks/whatsapp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(signature === null ? {} : { 'x-hub-signature-256': signature }) },
    body,
  });
  const raw = await response.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(raw) as Record<string, unknown>;
  } catch {
    json = { raw };
  }
  return { status: response.status, json };
}
