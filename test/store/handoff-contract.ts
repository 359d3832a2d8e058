import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isCroupierError } from '../../src/core/errors.js';
import type { AgentRecord, CaseRecord, Store } from '../../src/store/store.js';

/**
 * What every {@link Store} promises for the hand-off (agents, sessions, cases, notes), written
 * against the interface only, like store-contract.ts, so a PostgreSQL store runs the same suite.
 */
export function describeHandoffContract(name: string, open: () => Promise<{ store: Store; reopen?: () => Promise<Store> }>): void {
  describe(`Store hand-off contract: ${name}`, () => {
    let store: Store;
    let reopen: (() => Promise<Store>) | undefined;
    const opened: Store[] = [];

    beforeEach(async () => {
      const result = await open();
      store = result.store;
      reopen = result.reopen;
      opened.push(store);
    });
    afterEach(async () => {
      for (const each of opened.splice(0)) await each.close();
    });

    const agent = (id: string, extra: Partial<AgentRecord> = {}): AgentRecord => ({
      id,
      login: id,
      name: `Agent ${id}`,
      role: 'agent',
      skills: ['general', 'payments'],
      languages: ['en', 'es'],
      tier: 2,
      capacity: 5,
      online: false,
      passwordHash: 'scrypt$32768$8$1$salt$hash',
      createdAt: new Date('2026-03-01T09:00:00Z'),
      ...extra,
    });

    const conversation = async (key: string) => {
      const player = await store.players.findOrCreateByAccount({ channel: 'web', userId: key }, { at: new Date(0) });
      return store.conversations.findOrCreate(
        { channel: 'web', conversationKey: key },
        { playerId: player.id, language: 'en', at: new Date(0) },
      );
    };

    const record = (id: string, conversationId: string, extra: Partial<CaseRecord> = {}): CaseRecord => ({
      id,
      conversationId,
      status: 'queued',
      agentId: null,
      queuedAt: new Date('2026-03-01T10:00:00Z'),
      closedAt: null,
      data: { id, reason: 'player_request', sla: { breaches: [] } },
      ...extra,
    });

    it('creates agents, finds them by id and login, lists them by login, and refuses a second login', async () => {
      await store.handoff.createAgent(agent('zoe', { role: 'supervisor', tier: 3 }));
      await store.handoff.createAgent(agent('adam'));
      expect(await store.handoff.getAgent('zoe')).toEqual(agent('zoe', { role: 'supervisor', tier: 3 }));
      expect((await store.handoff.agentByLogin('adam'))?.id).toBe('adam');
      expect(await store.handoff.agentByLogin('nobody')).toBeUndefined();
      expect((await store.handoff.listAgents()).map((a) => a.login)).toEqual(['adam', 'zoe']);
      const error: unknown = await store.handoff.createAgent(agent('other', { login: 'adam' })).catch((e: unknown) => e);
      expect(isCroupierError(error, 'CROUPIER_INPUT_CONFLICT')).toBe(true);
      expect(await store.handoff.listAgents()).toHaveLength(2);
    });

    it('saves an agent profile, online flag and password hash', async () => {
      await store.handoff.createAgent(agent('adam'));
      await store.handoff.saveAgent(
        agent('adam', { online: true, skills: ['vip'], capacity: 3, passwordHash: 'scrypt$new', name: 'Adam B.' }),
      );
      expect(await store.handoff.getAgent('adam')).toMatchObject({
        online: true,
        skills: ['vip'],
        capacity: 3,
        passwordHash: 'scrypt$new',
        name: 'Adam B.',
      });
    });

    it('keeps sessions by token hash until deleted or expired', async () => {
      await store.handoff.createAgent(agent('adam'));
      const base = { agentId: 'adam', createdAt: new Date('2026-03-01T10:00:00Z') };
      await store.handoff.createSession({ ...base, tokenHash: 'h1', expiresAt: new Date('2026-03-01T22:00:00Z') });
      await store.handoff.createSession({ ...base, tokenHash: 'h2', expiresAt: new Date('2026-03-01T11:00:00Z') });
      expect(await store.handoff.getSession('h1')).toEqual({ ...base, tokenHash: 'h1', expiresAt: new Date('2026-03-01T22:00:00Z') });
      expect(await store.handoff.deleteExpiredSessions(new Date('2026-03-01T12:00:00Z'))).toBe(1);
      expect(await store.handoff.getSession('h2')).toBeUndefined();
      await store.handoff.deleteSession('h1');
      expect(await store.handoff.getSession('h1')).toBeUndefined();
      await store.handoff.createAgent(agent('zoe'));
      await store.handoff.createSession({ ...base, tokenHash: 'h3', expiresAt: new Date('2026-03-02T00:00:00Z') });
      await store.handoff.createSession({ ...base, tokenHash: 'h4', expiresAt: new Date('2026-03-02T00:00:00Z') });
      await store.handoff.createSession({ ...base, agentId: 'zoe', tokenHash: 'h5', expiresAt: new Date('2026-03-02T00:00:00Z') });
      expect(await store.handoff.deleteAgentSessions('adam')).toBe(2);
      expect(await store.handoff.getSession('h4')).toBeUndefined();
      expect((await store.handoff.getSession('h5'))?.agentId).toBe('zoe');
    });

    it('inserts and replaces cases, and lists them by status, agent and close time, oldest first', async () => {
      const c1 = await conversation('c1');
      const c2 = await conversation('c2');
      await store.handoff.saveCase(record('k1', c1.id, { queuedAt: new Date('2026-03-01T10:00:00Z') }));
      await store.handoff.saveCase(record('k2', c2.id, { queuedAt: new Date('2026-03-01T10:05:00Z') }));
      await store.handoff.saveCase(record('k3', c1.id, { queuedAt: new Date('2026-03-01T09:00:00Z') }));
      expect((await store.handoff.listCases()).map((c) => c.id)).toEqual(['k3', 'k1', 'k2']);

      const closedAt = new Date('2026-03-01T10:30:00Z');
      await store.handoff.saveCase(record('k1', c1.id, { status: 'closed', agentId: 'adam', closedAt, data: { id: 'k1', csat: 5 } }));
      await store.handoff.saveCase(record('k2', c2.id, { status: 'assigned', agentId: 'adam' }));
      expect(await store.handoff.getCase('k1')).toEqual(
        record('k1', c1.id, { status: 'closed', agentId: 'adam', closedAt, data: { id: 'k1', csat: 5 } }),
      );
      expect(await store.handoff.getCase('missing')).toBeUndefined();
      expect((await store.handoff.listCases({ status: ['queued', 'assigned'] })).map((c) => c.id)).toEqual(['k3', 'k2']);
      expect((await store.handoff.listCases({ agentId: 'adam' })).map((c) => c.id)).toEqual(['k1', 'k2']);
      expect(
        (await store.handoff.listCases({ status: ['closed'], closedSince: new Date('2026-03-01T10:00:00Z') })).map((c) => c.id),
      ).toEqual(['k1']);
      expect(await store.handoff.listCases({ status: ['closed'], closedSince: new Date('2026-03-01T11:00:00Z') })).toEqual([]);
      expect((await store.handoff.listCases({ limit: 2 })).map((c) => c.id)).toEqual(['k1', 'k2']);
      expect(await store.handoff.listCases({ status: [] })).toEqual([]);
    });

    it('keeps a case notes in order', async () => {
      const c1 = await conversation('c1');
      await store.handoff.saveCase(record('k1', c1.id));
      await store.handoff.addNote({
        id: 'n1',
        caseId: 'k1',
        agentId: 'adam',
        text: 'asked for the TX id',
        at: new Date('2026-03-01T10:01:00Z'),
      });
      await store.handoff.addNote({
        id: 'n2',
        caseId: 'k1',
        agentId: 'zoe',
        text: 'refund approved',
        at: new Date('2026-03-01T10:02:00Z'),
      });
      expect((await store.handoff.listNotes('k1')).map((n) => [n.id, n.agentId, n.text])).toEqual([
        ['n1', 'adam', 'asked for the TX id'],
        ['n2', 'zoe', 'refund approved'],
      ]);
      expect(await store.handoff.listNotes('k2')).toEqual([]);
    });

    it('keeps agents, cases and notes across a restart', async () => {
      if (!reopen) return;
      const c1 = await conversation('c1');
      await store.handoff.createAgent(agent('adam'));
      await store.handoff.saveCase(record('k1', c1.id));
      await store.handoff.addNote({ id: 'n1', caseId: 'k1', agentId: 'adam', text: 'note', at: new Date(0) });
      await store.durable();
      await store.close();
      const again = await reopen();
      opened.push(again);
      expect((await again.handoff.getAgent('adam'))?.login).toBe('adam');
      expect((await again.handoff.getCase('k1'))?.data).toEqual({ id: 'k1', reason: 'player_request', sla: { breaches: [] } });
      expect(await again.handoff.listNotes('k1')).toHaveLength(1);
    });
  });
}
