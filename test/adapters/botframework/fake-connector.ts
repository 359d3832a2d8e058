import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';

export interface ConnectorCall {
  readonly conversationId: string;
  /** The activity replied to (`POST /v3/conversations/{id}/activities/{activityId}`), if any. */
  readonly replyToId?: string;
  readonly activity: Record<string, unknown> & { type: string; text?: string; suggestedActions?: SuggestedActionsWire };
  readonly authorization?: string;
}

export interface SuggestedActionsWire {
  readonly to?: string[];
  readonly actions: { type: string; title: string; value: unknown; text?: string; displayText?: string }[];
}

/**
 * A local Bot Connector service: what the bot posts to at an activity's serviceUrl. It records the
 * activities it accepted, can be told to fail the next requests, and also publishes an OpenID
 * configuration with a locally generated signing key, so tests can mint channel tokens.
 */
export class FakeConnector {
  readonly calls: ConnectorCall[] = [];
  /** Every request, failed ones included. */
  readonly attempts: ConnectorCall[] = [];
  readonly #failures: { status: number; headers: Record<string, string> }[] = [];
  readonly #waiters: { count: number; resolve: () => void }[] = [];
  readonly #key: { privateKey: KeyObject; publicKey: KeyObject };
  url = '';

  private constructor(private readonly server: FastifyInstance) {
    this.#key = generateKeyPairSync('rsa', { modulusLength: 2048 });
  }

  static async start(): Promise<FakeConnector> {
    const server = Fastify();
    const connector = new FakeConnector(server);
    // Any path prefix: a service URL may carry one (Teams: https://smba.trafficmanager.net/emea/).
    server.post('/*', async (request, reply) => {
      const match = /\/v3\/conversations\/([^/]+)\/activities(?:\/([^/]+))?$/.exec(request.url.split('?')[0] ?? '');
      if (!match?.[1]) return reply.status(404).send({ error: { code: 'NotFound', message: request.url } });
      const activityId = match[2] === undefined ? undefined : decodeURIComponent(match[2]);
      const call: ConnectorCall = {
        conversationId: decodeURIComponent(match[1]),
        ...(activityId === undefined ? {} : { replyToId: activityId }),
        activity: request.body as ConnectorCall['activity'],
        ...(typeof request.headers['authorization'] === 'string' ? { authorization: request.headers['authorization'] } : {}),
      };
      connector.attempts.push(call);
      const failure = connector.#failures.shift();
      if (failure)
        return reply
          .status(failure.status)
          .headers(failure.headers)
          .send({ error: { code: 'ServiceError', message: 'try again later' } });
      connector.calls.push(call);
      for (const waiter of [...connector.#waiters]) {
        if (connector.calls.length >= waiter.count) {
          connector.#waiters.splice(connector.#waiters.indexOf(waiter), 1);
          waiter.resolve();
        }
      }
      return { id: `bot-activity-${connector.calls.length}` };
    });
    server.get('/openid', async () => ({ issuer: 'https://api.botframework.com', jwks_uri: `${connector.url}/keys` }));
    server.get('/keys', async () => ({
      keys: [
        {
          ...connector.#key.publicKey.export({ format: 'jwk' }),
          kid: 'local-key',
          use: 'sig',
          endorsements: ['webchat', 'msteams', 'emulator'],
        },
      ],
    }));
    await server.listen({ port: 0, host: '127.0.0.1' });
    const address = server.server.address();
    connector.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    return connector;
  }

  /** The next `count` requests fail with this status (and headers, e.g. Retry-After). */
  failNext(status: number, count = 1, headers: Record<string, string> = {}): void {
    for (let i = 0; i < count; i++) this.#failures.push({ status, headers });
  }

  /** Resolves once `count` activities in all were accepted. */
  waitFor(count: number): Promise<ConnectorCall[]> {
    if (this.calls.length >= count) return Promise.resolve(this.calls);
    return new Promise((resolve) => this.#waiters.push({ count, resolve: () => resolve(this.calls) }));
  }

  /** A channel token as the Bot Connector signs it (RS256, issuer api.botframework.com). */
  token(claims: Record<string, unknown>): string {
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const unsigned = `${encode({ alg: 'RS256', typ: 'JWT', kid: 'local-key' })}.${encode({
      iss: 'https://api.botframework.com',
      nbf: now - 60,
      exp: now + 3600,
      ...claims,
    })}`;
    return `${unsigned}.${sign('sha256', Buffer.from(unsigned), this.#key.privateKey).toString('base64url')}`;
  }

  close(): Promise<void> {
    return this.server.close();
  }
}
