import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock, sequentialIds } from '../../src/core/clock.js';
import { addAgent } from '../../src/handoff/agents.js';
import type { CroupierHandle } from '../../src/server/runtime.js';
import { call, FrameClient } from '../handoff/support.js';
import { postJson, startTestServer } from '../support/server.js';

const PASSWORD = 'demo-password-1';
const running: CroupierHandle[] = [];
const sockets: FrameClient[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.close();
  await Promise.all(running.splice(0).map((app) => app.close()));
});

async function start(yaml?: string) {
  const clock = new ManualClock('2026-03-02T10:00:00Z');
  const app = await startTestServer({
    clock,
    handoffTickMs: 0,
    env: { CROUPIER_DEMO_AGENT_PASSWORD: PASSWORD },
    ...(yaml !== undefined ? { yaml } : {}),
  });
  running.push(app);
  return { app, clock };
}

async function login(app: CroupierHandle, user: string, password = PASSWORD): Promise<string> {
  const response = await call(app.url, 'POST', '/api/agent/login', { body: { login: user, password } });
  expect(response.status).toBe(200);
  return response.json['token'] as string;
}

async function socketFor(app: CroupierHandle, token: string): Promise<FrameClient> {
  const socket = await FrameClient.open(`${app.url}/api/agent/socket?token=${token}`);
  sockets.push(socket);
  await socket.wait((f) => f.type === 'hello');
  return socket;
}

type Replies = { author: string; text: string; buttons: { label: string; payload: string }[] }[];

describe('agent API: a player hands off on the web and an agent takes it to the end', () => {
  it('queues, claims, relays both ways, closes, and stores the rating', async () => {
    const { app } = await start();

    // The player asks for a person on the web channel.
    const asked = await postJson(`${app.url}/web/messages`, { text: 'I want to talk to a human', locale: 'en' });
    expect(asked.status).toBe(200);
    const conversationId = asked.json['conversationId'] as string;
    const replies = asked.json['replies'] as Replies;
    expect(replies.map((r) => r.text).join('\n')).toMatch(/passing you to a member of our support team/);
    expect(replies.at(-1)?.text).toMatch(/You're number 1 in the queue — the wait is about \d+ min/);
    expect(replies.at(-1)?.author).toBe('system');

    // The player's widget is open too: agent replies must reach it.
    const widget = await FrameClient.open(`${app.url}/web/socket`);
    sockets.push(widget);
    widget.send({ type: 'hello', conversationId });
    await widget.wait((f) => f.type === 'ready');

    // An agent logs in, sees the case with its transcript, and claims it.
    const token = await login(app, 'agent');
    const console = await socketFor(app, token);
    const listed = await call(app.url, 'GET', '/api/agent/cases', { token });
    const cases = listed.json['cases'] as {
      id: string;
      status: string;
      position: number;
      reason: string;
      channel: string;
      slaState: string;
    }[];
    expect(cases).toHaveLength(1);
    expect(cases[0]).toMatchObject({ status: 'queued', position: 1, reason: 'player_request', channel: 'web', slaState: 'ok' });
    const caseId = cases[0]!.id;
    const details = await call(app.url, 'GET', `/api/agent/cases/${caseId}`, { token });
    const transcript = details.json['transcript'] as { author: string; text: string }[];
    expect(transcript.map((e) => e.author)).toEqual(['player', 'bot', 'system']);
    expect(transcript[0]!.text).toBe('I want to talk to a human');
    expect(details.json['player']).toBeNull();
    expect(details.json['notes']).toEqual([]);

    const claimed = await call(app.url, 'POST', `/api/agent/cases/${caseId}/claim`, { token });
    expect(claimed.status).toBe(200);
    expect(claimed.json['case']).toMatchObject({ status: 'assigned', position: null });
    await console.wait((f) => f.type === 'case.updated' && (f['case'] as { status: string }).status === 'assigned');
    await app.desk.idle();
    expect((await app.store.conversations.findByKey('web', conversationId))?.status).toBe('agent');

    // While the case is open, the player's messages go to the agent, not to the bot.
    const meanwhile = await postJson(`${app.url}/web/messages`, { conversationId, text: 'are you there? where is my withdrawal' });
    expect(meanwhile.json['replies']).toEqual([]);
    const live = await console.wait((f) => f.type === 'case.message' && (f['entry'] as { author: string }).author === 'player');
    expect(live['caseId']).toBe(caseId);
    expect((live['entry'] as { text: string }).text).toBe('are you there? where is my withdrawal');

    // The agent replies; the player's widget receives it and the transcript keeps it.
    const sent = await call(app.url, 'POST', `/api/agent/cases/${caseId}/messages`, {
      token,
      body: { text: 'Hi, I am Dana. Let me check.' },
    });
    expect(sent.status).toBe(200);
    expect(sent.json['entry']).toMatchObject({ author: 'agent', direction: 'out', text: 'Hi, I am Dana. Let me check.' });
    const received = await widget.wait((f) => f.type === 'message' && (f['message'] as { author: string }).author === 'agent');
    expect((received['message'] as { text: string }).text).toBe('Hi, I am Dana. Let me check.');
    const note = await call(app.url, 'POST', `/api/agent/cases/${caseId}/notes`, { token, body: { text: 'checking W-1 with payments' } });
    expect(note.json['note']).toMatchObject({ text: 'checking W-1 with payments', agentName: 'Demo Agent' });

    // Closing gives the conversation back to the bot, which asks for a rating with buttons 1–5.
    const closed = await call(app.url, 'POST', `/api/agent/cases/${caseId}/close`, { token, body: { resolved: true } });
    expect(closed.json['case']).toMatchObject({ status: 'closed', resolved: true });
    const question = await widget.wait(
      (f) => f.type === 'message' && ((f['message'] as { buttons?: unknown[] }).buttons ?? []).length === 5,
    );
    expect((question['message'] as { text: string }).text).toMatch(/rate the help you got, from 1/);
    expect((await app.store.conversations.findByKey('web', conversationId))?.status).toBe('bot');

    const rated = await postJson(`${app.url}/web/messages`, { conversationId, payload: 'csat:4', text: '4' });
    expect((rated.json['replies'] as Replies).map((r) => r.text)).toEqual([
      'Thank you for your rating! If anything else comes up, just write here.',
    ]);
    const after = await call(app.url, 'GET', `/api/agent/cases/${caseId}`, { token });
    expect(after.json['case']).toMatchObject({ status: 'closed', csat: 4 });
    expect((after.json['notes'] as unknown[]).length).toBe(1);
    const stored = await app.store.conversations.findByKey('web', conversationId);
    const events = await app.store.events.list({ conversationId: stored!.id });
    expect(events.map((e) => e.type)).toEqual(
      expect.arrayContaining(['handoff.requested', 'handoff.assigned', 'handoff.closed', 'csat.rated']),
    );

    // The next message is the bot's again.
    const back = await postJson(`${app.url}/web/messages`, { conversationId, text: 'where is my withdrawal' });
    expect((back.json['replies'] as Replies).length).toBeGreaterThan(0);
    expect((back.json['replies'] as Replies)[0]!.author).toBe('bot');
  });

  it('takes a typed digit as the rating, and anything else goes on to the bot', async () => {
    const { app } = await start();
    const token = await login(app, 'supervisor');
    const first = await postJson(`${app.url}/web/messages`, { text: 'agent please', locale: 'en' });
    const conversationId = first.json['conversationId'] as string;
    const [c] = (await call(app.url, 'GET', '/api/agent/cases', { token })).json['cases'] as { id: string }[];
    await call(app.url, 'POST', `/api/agent/cases/${c!.id}/claim`, { token });
    await call(app.url, 'POST', `/api/agent/cases/${c!.id}/close`, { token, body: { resolved: false } });
    const typed = await postJson(`${app.url}/web/messages`, { conversationId, text: '5' });
    expect((typed.json['replies'] as Replies)[0]!.text).toMatch(/Thank you for your rating/);
    expect(((await call(app.url, 'GET', `/api/agent/cases/${c!.id}`, { token })).json['case'] as { csat: number }).csat).toBe(5);

    // A second hand-off and close: this time the player ignores the question.
    await postJson(`${app.url}/web/messages`, { conversationId, text: 'agent please' });
    const open = (await call(app.url, 'GET', '/api/agent/cases', { token })).json['cases'] as { id: string }[];
    await call(app.url, 'POST', `/api/agent/cases/${open[0]!.id}/claim`, { token });
    await call(app.url, 'POST', `/api/agent/cases/${open[0]!.id}/close`, { token, body: { resolved: true } });
    const other = await postJson(`${app.url}/web/messages`, { conversationId, text: 'hello' });
    expect((other.json['replies'] as Replies)[0]!.text).toMatch(/Hi! 👋/);
    expect(((await call(app.url, 'GET', `/api/agent/cases/${open[0]!.id}`, { token })).json['case'] as { csat: unknown }).csat).toBeNull();
  });
});

describe('agent API: SLA over the real server', () => {
  it('alerts the supervisor and the agent over the socket when the first reply is late, and re-routes', async () => {
    const { app, clock } = await start();
    const bossToken = await login(app, 'supervisor');
    const agentToken = await login(app, 'agent');
    const boss = await socketFor(app, bossToken);
    const agentSocket = await socketFor(app, agentToken);
    await call(app.url, 'PUT', '/api/agent/me/status', { token: agentToken, body: { online: true } });
    const asked = await postJson(`${app.url}/web/messages`, { text: 'I want to talk to a human', locale: 'en' });
    expect((asked.json['replies'] as Replies).at(-1)?.text).toBe('Demo Agent from our support team has joined the chat.');
    const [c] = (await call(app.url, 'GET', '/api/agent/cases', { token: agentToken })).json['cases'] as {
      id: string;
      firstReplyDueAt: string;
    }[];
    expect(c!.firstReplyDueAt).toBe('2026-03-02T10:05:00.000Z');

    clock.advance(4 * 60_000);
    await app.desk.tick();
    await boss.wait((f) => f.type === 'case.updated' && (f['case'] as { slaState: string }).slaState === 'warning');
    clock.advance(60_000);
    await app.desk.tick();
    const alert = await boss.wait((f) => f.type === 'sla.breach');
    expect(alert).toMatchObject({ caseId: c!.id, kind: 'first_reply' });
    await agentSocket.wait((f) => f.type === 'sla.breach');
    // the agent who did not answer loses the case; nobody else is online, so it waits in the queue
    const after = (await call(app.url, 'GET', `/api/agent/cases/${c!.id}`, { token: bossToken })).json['case'] as Record<string, unknown>;
    expect(after).toMatchObject({ status: 'queued', agentId: null, slaState: 'breached' });
    await agentSocket.wait((f) => f.type === 'case.updated' && (f['case'] as { status: string }).status === 'queued');
    await app.desk.idle();
    expect((await app.store.conversations.findByKey('web', asked.json['conversationId'] as string))?.status).toBe('queued');
  });
});

describe('agent API: access', () => {
  it('refuses every endpoint without a valid token (401), and a wrong password', async () => {
    const { app } = await start();
    for (const [method, path] of [
      ['POST', '/api/agent/logout'],
      ['GET', '/api/agent/me'],
      ['PUT', '/api/agent/me/status'],
      ['GET', '/api/agent/cases'],
      ['GET', '/api/agent/cases/x'],
      ['POST', '/api/agent/cases/x/claim'],
      ['POST', '/api/agent/cases/x/messages'],
      ['POST', '/api/agent/cases/x/notes'],
      ['POST', '/api/agent/cases/x/transfer'],
      ['POST', '/api/agent/cases/x/close'],
      ['GET', '/api/agent/canned'],
      ['GET', '/api/agent/agents'],
    ] as const) {
      for (const token of [undefined, 'not-a-token']) {
        const response = await call(app.url, method, path, token ? { token } : {});
        expect(response.status, `${method} ${path}`).toBe(401);
        expect((response.json['error'] as { code: string }).code).toBe('CROUPIER_INPUT_UNAUTHORIZED');
      }
    }
    const wrong = await call(app.url, 'POST', '/api/agent/login', { body: { login: 'agent', password: 'nope-nope' } });
    expect(wrong.status).toBe(401);
    const unknown = await call(app.url, 'POST', '/api/agent/login', { body: { login: 'ghost', password: PASSWORD } });
    expect(unknown.status).toBe(401);
    expect(unknown.json).toEqual(wrong.json);
    const socket = await FrameClient.open(`${app.url}/api/agent/socket?token=forged`);
    sockets.push(socket);
    expect(await socket.closed).toBe(1008);
  });

  it('ends a session at logout and takes the agent offline', async () => {
    const { app } = await start();
    const token = await login(app, 'agent');
    expect((await call(app.url, 'PUT', '/api/agent/me/status', { token, body: { online: true } })).json['agent']).toMatchObject({
      online: true,
    });
    expect((await call(app.url, 'GET', '/api/agent/me', { token })).json['agent']).toMatchObject({
      login: 'agent',
      role: 'agent',
      online: true,
    });
    expect((await call(app.url, 'POST', '/api/agent/logout', { token })).status).toBe(204);
    expect((await call(app.url, 'GET', '/api/agent/me', { token })).status).toBe(401);
    expect(app.desk.agents().find((a) => a.login === 'agent')?.online).toBe(false);
  });

  it('a socket whose session expired gets no more case frames: it is told and closed', async () => {
    const { app, clock } = await start();
    const socket = await socketFor(app, await login(app, 'agent'));
    clock.advance(12 * 3_600_000 + 1);
    const boss = await socketFor(app, await login(app, 'supervisor'));
    await postJson(`${app.url}/web/messages`, { text: 'I want to talk to a human', locale: 'en' });
    await boss.wait((f) => f.type === 'case.updated');
    expect(await socket.closed).toBe(1008);
    expect(socket.frames.map((f) => f.type)).toEqual(['hello', 'error']);
    expect(socket.frames[1]).toMatchObject({ code: 'CROUPIER_INPUT_UNAUTHORIZED' });
  });

  it('a socket whose sessions were ended from the command line (croupier agents password) is closed at the next tick', async () => {
    const { app } = await start();
    const socket = await socketFor(app, await login(app, 'agent'));
    const agentId = app.desk.agents().find((a) => a.login === 'agent')!.id;
    await app.store.handoff.deleteAgentSessions(agentId);
    await app.desk.tick();
    expect(await socket.closed).toBe(1008);
    expect(socket.frames.at(-1)).toMatchObject({ type: 'error', code: 'CROUPIER_INPUT_UNAUTHORIZED' });
  });

  it('shows an agent only the cases routed or assigned to them; a supervisor sees all', async () => {
    const { app } = await start();
    const ids = sequentialIds('agent-test');
    const context = { ids, clock: new ManualClock(), defaultCapacity: 5 };
    await addAgent(
      app.store,
      { login: 'rosa', name: 'Rosa', role: 'agent', skills: ['general'], languages: ['ru'], tier: 1, password: PASSWORD },
      context,
    );
    const agentToken = await login(app, 'agent');
    const rosaToken = await login(app, 'rosa');
    const bossToken = await login(app, 'supervisor');

    await postJson(`${app.url}/web/messages`, { text: 'I want to talk to a human', locale: 'en' });
    const [english] = (await call(app.url, 'GET', '/api/agent/cases', { token: agentToken })).json['cases'] as { id: string }[];
    // Rosa speaks only Russian: the English case is not routed to her.
    expect((await call(app.url, 'GET', '/api/agent/cases', { token: rosaToken })).json['cases']).toEqual([]);
    const hidden = await call(app.url, 'GET', `/api/agent/cases/${english!.id}`, { token: rosaToken });
    expect(hidden.status).toBe(403);
    expect((hidden.json['error'] as { code: string }).code).toBe('CROUPIER_INPUT_FORBIDDEN');
    const notEligible = await call(app.url, 'POST', `/api/agent/cases/${english!.id}/claim`, { token: rosaToken });
    expect(notEligible.status).toBe(409);
    expect((notEligible.json['error'] as { code: string }).code).toBe('CROUPIER_HANDOFF_NOT_ELIGIBLE');

    // Once the supervisor takes it, the agent no longer sees it and cannot act on it.
    expect((await call(app.url, 'POST', `/api/agent/cases/${english!.id}/claim`, { token: bossToken })).status).toBe(200);
    expect((await call(app.url, 'GET', '/api/agent/cases', { token: agentToken })).json['cases']).toEqual([]);
    expect((await call(app.url, 'GET', `/api/agent/cases/${english!.id}`, { token: agentToken })).status).toBe(403);
    const taken = await call(app.url, 'POST', `/api/agent/cases/${english!.id}/claim`, { token: agentToken });
    expect((taken.json['error'] as { code: string }).code).toBe('CROUPIER_HANDOFF_TAKEN');
    expect(
      (await call(app.url, 'POST', `/api/agent/cases/${english!.id}/messages`, { token: agentToken, body: { text: 'hi' } })).status,
    ).toBe(403);
    expect(
      (await call(app.url, 'POST', `/api/agent/cases/${english!.id}/close`, { token: agentToken, body: { resolved: true } })).status,
    ).toBe(403);
    expect((await call(app.url, 'GET', '/api/agent/cases', { token: bossToken })).json['cases']).toHaveLength(1);

    // The team list is for supervisors.
    expect((await call(app.url, 'GET', '/api/agent/agents', { token: agentToken })).status).toBe(403);
    // an agent added from the command line who never logged in is on the list too
    await addAgent(
      app.store,
      { login: 'new-hire', name: 'New', role: 'agent', skills: ['kyc'], languages: ['en'], tier: 1, password: PASSWORD },
      context,
    );
    const team = (await call(app.url, 'GET', '/api/agent/agents', { token: bossToken })).json['agents'] as {
      login: string;
      load: number;
    }[];
    expect(team.map((a) => [a.login, a.load])).toEqual([
      ['agent', 0],
      ['new-hire', 0],
      ['rosa', 0],
      ['supervisor', 1],
    ]);
  });

  it('refuses bad bodies with coded 400s and a closed case with 409', async () => {
    const { app } = await start();
    const token = await login(app, 'supervisor');
    await postJson(`${app.url}/web/messages`, { text: 'agent please', locale: 'en' });
    const [c] = (await call(app.url, 'GET', '/api/agent/cases', { token })).json['cases'] as { id: string }[];
    const bad = [
      await call(app.url, 'POST', '/api/agent/login', { body: { login: 'agent' } }),
      await call(app.url, 'PUT', '/api/agent/me/status', { token, body: { online: 'yes' } }),
      await call(app.url, 'GET', '/api/agent/cases?status=everything', { token }),
      await call(app.url, 'POST', `/api/agent/cases/${c!.id}/messages`, { token, body: { text: '   ' } }),
      await call(app.url, 'POST', `/api/agent/cases/${c!.id}/transfer`, { token, body: {} }),
      await call(app.url, 'POST', `/api/agent/cases/${c!.id}/transfer`, { token, body: { tier: 7 } }),
      await call(app.url, 'POST', `/api/agent/cases/${c!.id}/close`, { token, body: { resolved: 'maybe' } }),
    ];
    for (const response of bad) {
      expect(response.status).toBe(400);
      expect((response.json['error'] as { code: string }).code).toBe('CROUPIER_INPUT_INVALID');
    }
    expect((await call(app.url, 'GET', '/api/agent/cases/nope', { token })).status).toBe(404);
    await call(app.url, 'POST', `/api/agent/cases/${c!.id}/claim`, { token });
    await call(app.url, 'POST', `/api/agent/cases/${c!.id}/close`, { token, body: { resolved: true } });
    const again = await call(app.url, 'POST', `/api/agent/cases/${c!.id}/close`, { token, body: { resolved: true } });
    expect(again.status).toBe(409);
    expect((again.json['error'] as { code: string }).code).toBe('CROUPIER_HANDOFF_CLOSED');
  });

  it('serves canned replies in the asked language', async () => {
    const { app } = await start();
    const token = await login(app, 'agent');
    const es = (await call(app.url, 'GET', '/api/agent/canned?language=es', { token })).json['replies'] as {
      id: string;
      title: string;
      text: string;
    }[];
    const greeting = es.find((r) => r.id === 'greeting');
    expect(greeting?.title).toBe('Saludo');
    expect(greeting?.text).toMatch(/gracias por esperar/);
    const ru = (await call(app.url, 'GET', '/api/agent/canned?language=ru', { token })).json['replies'] as { id: string }[];
    expect(ru.map((r) => r.id)).toEqual(es.map((r) => r.id));
  });
});
