import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isCroupierError } from '../../src/core/errors.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import type { AgentRecord, Store } from '../../src/store/store.js';

const opened: Store[] = [];
afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
});

function open(file = ':memory:'): Store {
  const store = openSqliteStore({ file });
  opened.push(store);
  return store;
}

const agent = (id: string, extra: Partial<AgentRecord> = {}): AgentRecord => ({
  id,
  login: id,
  name: `Agent ${id}`,
  role: 'agent',
  skills: ['general'],
  languages: ['en'],
  tier: 1,
  capacity: 5,
  online: false,
  passwordHash: 'scrypt$32768$8$1$salt$hash',
  createdAt: new Date('2026-03-01T09:00:00Z'),
  ...extra,
});

async function caseIn(store: Store, id: string): Promise<void> {
  const player = await store.players.findOrCreateByAccount({ channel: 'web', userId: id }, { at: new Date(0) });
  const conversation = await store.conversations.findOrCreate(
    { channel: 'web', conversationKey: id },
    { playerId: player.id, language: 'en', at: new Date(0) },
  );
  await store.handoff.saveCase({
    id,
    conversationId: conversation.id,
    status: 'queued',
    agentId: null,
    queuedAt: new Date('2026-03-01T10:00:00Z'),
    closedAt: null,
    data: { id },
  });
}

describe('store: agents in Telegram', () => {
  it('keeps an agent’s Telegram user id, finds the agent by it, and refuses it twice', async () => {
    const store = open();
    await store.handoff.createAgent(agent('dana', { telegramUserId: '555001' }));
    await store.handoff.createAgent(agent('omar'));
    expect(await store.handoff.getAgent('omar')).toEqual(agent('omar'));
    expect((await store.handoff.agentByTelegramUser('555001'))?.login).toBe('dana');
    expect(await store.handoff.agentByTelegramUser('999')).toBeUndefined();

    const taken = await store.handoff.createAgent(agent('eve', { telegramUserId: '555001' })).catch((error: unknown) => error);
    expect(isCroupierError(taken, 'CROUPIER_INPUT_CONFLICT')).toBe(true);
    const alsoTaken = await store.handoff.saveAgent(agent('omar', { telegramUserId: '555001' })).catch((error: unknown) => error);
    expect(isCroupierError(alsoTaken, 'CROUPIER_INPUT_CONFLICT')).toBe(true);

    // Saving a profile keeps the link; linking an existing agent works.
    await store.handoff.saveAgent(agent('dana', { telegramUserId: '555001', online: true }));
    await store.handoff.saveAgent(agent('omar', { telegramUserId: '555002' }));
    expect((await store.handoff.agentByTelegramUser('555001'))?.online).toBe(true);
    expect((await store.handoff.agentByTelegramUser('555002'))?.login).toBe('omar');
  });

  it('maps cases to forum topics both ways, durably', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'croupier-topics-')), 'croupier.db');
    const store = open(file);
    await caseIn(store, 'case-1');
    await caseIn(store, 'case-2');
    const topic = {
      caseId: 'case-1',
      chatId: '-1001234567890',
      threadId: 77,
      relayedSeq: 3,
      createdAt: new Date('2026-03-01T10:00:01Z'),
      closedAt: null,
    };
    await store.handoff.saveCaseTopic(topic);
    await store.handoff.saveCaseTopic({ ...topic, caseId: 'case-2', threadId: 78, relayedSeq: 1 });
    await store.handoff.saveCaseTopic({ ...topic, relayedSeq: 5 });
    const clash = await store.handoff.saveCaseTopic({ ...topic, caseId: 'case-2' }).catch((error: unknown) => error);
    expect(isCroupierError(clash, 'CROUPIER_INPUT_CONFLICT')).toBe(true);
    await store.handoff.saveCaseTopic({
      ...topic,
      caseId: 'case-2',
      threadId: 78,
      relayedSeq: 1,
      closedAt: new Date('2026-03-01T11:00:00Z'),
    });
    await store.close();

    const again = open(file);
    expect(await again.handoff.caseTopic('case-1')).toEqual({ ...topic, relayedSeq: 5 });
    expect((await again.handoff.caseTopicByThread('-1001234567890', 78))?.caseId).toBe('case-2');
    expect(await again.handoff.caseTopicByThread('-1001234567890', 79)).toBeUndefined();
    expect(await again.handoff.caseTopicByThread('-100999', 77)).toBeUndefined();
    expect((await again.handoff.listCaseTopics('-1001234567890')).map((t) => t.caseId)).toEqual(['case-1', 'case-2']);
    expect((await again.handoff.listCaseTopics('-1001234567890', { open: true })).map((t) => t.caseId)).toEqual(['case-1']);
  });
});
