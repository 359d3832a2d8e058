import fastifyWebsocket from '@fastify/websocket';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { RawData, WebSocket } from 'ws';
import { z } from 'zod';
import { CroupierError } from '../core/errors.js';
import type { HandoffDesk } from '../handoff/desk.js';
import { isSupervisor, type Agent } from '../handoff/model.js';
import { transcriptView } from '../handoff/views.js';

/**
 * The agent API under `/api/agent/` (README "Human handoff and the agent API"): JSON over HTTP for
 * the console and any tool an operator plugs in, plus a WebSocket for live updates. Every endpoint
 * but login needs `Authorization: Bearer <token>`; an agent sees only the cases routed or assigned
 * to them, a supervisor or admin sees all. Errors are `{ error: { code, message } }`.
 *
 * @example await registerAgentApi(server, { desk, log })
 */
export interface AgentApiParts {
  readonly desk: HandoffDesk;
  readonly log: Logger;
}

const loginBody = z.object({ login: z.string().min(1).max(64), password: z.string().min(1).max(512) }).strict();
const statusBody = z.object({ online: z.boolean() }).strict();
const textBody = z.object({ text: z.string().trim().min(1, 'the text is empty').max(4000) }).strict();
const transferBody = z
  .object({
    skill: z
      .string()
      .regex(/^[a-z][a-z0-9_]{0,39}$/, 'a skill such as payments')
      .optional(),
    tier: z.union([z.literal(1), z.literal(2), z.literal(3)]).optional(),
    agentId: z.string().min(1).max(100).optional(),
  })
  .strict()
  .refine(
    (body) => body.skill !== undefined || body.tier !== undefined || body.agentId !== undefined,
    'give a skill, a tier or an agentId',
  );
const closeBody = z.object({ resolved: z.boolean() }).strict();
const casesQuery = z.object({ status: z.enum(['open', 'queued', 'assigned', 'closed']).default('open') }).strict();
const cannedQuery = z
  .object({
    language: z
      .string()
      .regex(/^[a-z]{2,3}$/, 'a language code such as es')
      .default('en'),
  })
  .strict();
const socketFrame = z.discriminatedUnion('type', [
  z.object({ type: z.literal('auth'), token: z.string().min(1).max(200) }),
  z.object({ type: z.literal('ping') }),
]);

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new CroupierError('CROUPIER_INPUT_INVALID', issue ? `${issue.path.join('.') || 'body'}: ${issue.message}` : 'invalid request');
}

export function agentView(agent: Agent, load?: number): Record<string, unknown> {
  return {
    id: agent.id,
    login: agent.login,
    name: agent.name,
    role: agent.role,
    skills: agent.skills,
    languages: agent.languages,
    tier: agent.tier,
    capacity: agent.capacity,
    online: agent.online,
    ...(load !== undefined ? { load } : {}),
  };
}

function bearer(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return match?.[1];
}

interface Client {
  readonly socket: WebSocket;
  readonly agent: Agent;
  readonly token: string;
  /** When the session ends (ms since epoch, desk clock): no frame goes out after it. */
  readonly expiresAt: number;
}

export async function registerAgentApi(server: FastifyInstance, parts: AgentApiParts): Promise<void> {
  const { desk } = parts;
  const log = parts.log.child({ component: 'agent-api' });
  if (!server.hasDecorator('websocketServer')) await server.register(fastifyWebsocket, { options: { maxPayload: 64 * 1024 } });
  const sessions = new WeakMap<FastifyRequest, { agent: Agent; token: string }>();
  const clients = new Set<Client>();
  const who = (request: FastifyRequest) => {
    const session = sessions.get(request);
    if (!session) throw new CroupierError('CROUPIER_INPUT_UNAUTHORIZED', 'log in first');
    return session;
  };
  const send = (client: Client, frame: Record<string, unknown>) => {
    if (client.socket.readyState === client.socket.OPEN) client.socket.send(JSON.stringify(frame));
  };
  /** A socket whose session is over: told (the console signs out) and closed. */
  const end = (client: Client) => {
    clients.delete(client);
    send(client, { type: 'error', code: 'CROUPIER_INPUT_UNAUTHORIZED', message: 'the session has ended (log in again)' });
    client.socket.close(1008, 'unauthorized');
  };
  /** Sessions ended elsewhere (`croupier agents password` in another process) are noticed on the desk's tick. */
  const recheck = async (client: Client) => {
    if (clients.has(client) && !(await desk.session(client.token))) end(client);
  };

  // Live updates: each socket gets what its agent may see, while its session lasts.
  desk.subscribe((event) => {
    const now = desk.now().getTime();
    for (const client of clients) {
      if (client.expiresAt <= now) {
        end(client);
        continue;
      }
      const agent = client.agent;
      switch (event.type) {
        case 'case.updated':
          if (desk.visibleTo(agent, event.case) || event.previousAgentId === agent.id)
            send(client, { type: 'case.updated', case: desk.view(event.case) });
          break;
        case 'case.message':
          if (desk.visibleTo(agent, event.case))
            send(client, { type: 'case.message', caseId: event.case.id, entry: transcriptView(event.entry) });
          break;
        case 'sla.breach':
          if (isSupervisor(agent) || event.case.agentId === agent.id)
            send(client, { type: 'sla.breach', caseId: event.case.id, kind: event.kind, case: desk.view(event.case) });
          break;
        case 'agent.updated':
          if (isSupervisor(agent) || event.agent.id === agent.id) send(client, { type: 'agent.updated', agent: agentView(event.agent) });
          break;
        case 'tick':
          recheck(client).catch((error: unknown) => log.error({ err: error }, 'agent socket session check failed'));
          break;
      }
    }
  });

  await server.register(
    async (api) => {
      api.addHook('onRequest', async (request) => {
        const path = request.routeOptions.url;
        if (path === '/api/agent/login' || path === '/api/agent/socket') return;
        const token = bearer(request.headers.authorization);
        const agent = token ? await desk.authenticate(token) : undefined;
        if (!token || !agent) {
          throw new CroupierError('CROUPIER_INPUT_UNAUTHORIZED', 'log in first and send Authorization: Bearer <token>');
        }
        sessions.set(request, { agent, token });
      });

      api.post('/login', async (request) => {
        const body = parse(loginBody, request.body);
        const { token, agent } = await desk.login(body.login, body.password);
        return { token, agent: agentView(agent) };
      });

      api.post('/logout', async (request, reply) => {
        const { agent, token } = who(request);
        await desk.logout(token, agent);
        for (const client of clients) if (client.token === token) client.socket.close(1000, 'logged out');
        return reply.status(204).send();
      });

      api.get('/me', async (request) => ({ agent: agentView(who(request).agent) }));

      api.put('/me/status', async (request) => {
        const body = parse(statusBody, request.body);
        return { agent: agentView(await desk.setOnline(who(request).agent, body.online)) };
      });

      api.get('/cases', async (request) => {
        const query = parse(casesQuery, request.query);
        return { cases: await desk.listCases(who(request).agent, query.status), now: desk.now().toISOString() };
      });

      api.get('/cases/:id', async (request) => {
        const { id } = request.params as { id: string };
        return desk.getCase(who(request).agent, id);
      });

      api.post('/cases/:id/claim', async (request) => {
        const { id } = request.params as { id: string };
        return { case: await desk.claim(who(request).agent, id) };
      });

      api.post('/cases/:id/messages', async (request) => {
        const { id } = request.params as { id: string };
        const body = parse(textBody, request.body);
        return { entry: await desk.reply(who(request).agent, id, body.text) };
      });

      api.post('/cases/:id/notes', async (request) => {
        const { id } = request.params as { id: string };
        const body = parse(textBody, request.body);
        return { note: await desk.addNote(who(request).agent, id, body.text) };
      });

      api.post('/cases/:id/transfer', async (request) => {
        const { id } = request.params as { id: string };
        const body = parse(transferBody, request.body);
        return { case: await desk.transfer(who(request).agent, id, body) };
      });

      api.post('/cases/:id/close', async (request) => {
        const { id } = request.params as { id: string };
        const body = parse(closeBody, request.body);
        return { case: await desk.close(who(request).agent, id, body.resolved) };
      });

      api.get('/canned', async (request) => {
        who(request);
        const query = parse(cannedQuery, request.query);
        return { replies: desk.canned(query.language) };
      });

      api.get('/agents', async (request) => {
        const { agent } = who(request);
        if (!isSupervisor(agent)) throw new CroupierError('CROUPIER_INPUT_FORBIDDEN', 'only supervisors and admins see the team');
        return { agents: (await desk.refreshAgents()).map((each) => agentView(each, desk.loadOf(each.id))) };
      });

      api.get('/socket', { websocket: true }, (socket, request) => {
        let client: Client | undefined;
        const fail = (code: string, message: string) => {
          if (socket.readyState === socket.OPEN) socket.send(JSON.stringify({ type: 'error', code, message }));
        };
        const authTimer = setTimeout(() => {
          if (!client) socket.close(1008, 'auth expected');
        }, 10_000);
        const authenticate = async (token: string) => {
          const session = await desk.session(token);
          if (!session) {
            fail('CROUPIER_INPUT_UNAUTHORIZED', 'the token is not valid (log in again)');
            socket.close(1008, 'unauthorized');
            return;
          }
          const { agent } = session;
          clearTimeout(authTimer);
          client = { socket, agent, token, expiresAt: session.expiresAt.getTime() };
          clients.add(client);
          socket.send(JSON.stringify({ type: 'hello', agent: agentView(agent), now: desk.now().toISOString() }));
        };
        socket.on('close', () => {
          clearTimeout(authTimer);
          if (client) clients.delete(client);
        });
        let chain = Promise.resolve();
        socket.on('message', (data: RawData, isBinary: boolean) => {
          chain = chain
            .then(async () => {
              let json: unknown;
              try {
                json = JSON.parse(isBinary ? '' : rawText(data));
              } catch {
                fail('CROUPIER_INPUT_INVALID', 'frames must be JSON');
                return;
              }
              const parsed = socketFrame.safeParse(json);
              if (!parsed.success) {
                fail('CROUPIER_INPUT_INVALID', 'unknown frame; send {type:"auth", token} or {type:"ping"}');
                return;
              }
              if (parsed.data.type === 'ping') {
                if (socket.readyState === socket.OPEN) socket.send(JSON.stringify({ type: 'pong' }));
                return;
              }
              if (!client) await authenticate(parsed.data.token);
            })
            .catch((error: unknown) => {
              log.error({ err: error }, 'agent socket frame failed');
              fail('CROUPIER_PIPELINE_STAGE_FAILED', 'internal error');
            });
        });
        const token = (request.query as { token?: unknown }).token;
        if (typeof token === 'string' && token !== '') {
          chain = chain.then(() => authenticate(token)).catch((error: unknown) => log.error({ err: error }, 'agent socket auth failed'));
        }
      });
    },
    { prefix: '/api/agent' },
  );

  server.addHook('onClose', async () => {
    for (const client of clients) client.socket.close(1001, 'server shutting down');
    clients.clear();
  });
}

function rawText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}
