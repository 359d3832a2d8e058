import type { Agent, StoredCase } from '../../src/handoff/model.js';

let seq = 0;

/** An agent with sensible defaults: online, tier 1, general skill, English, capacity 5. */
export function agent(id: string, extra: Partial<Agent> = {}): Agent {
  return {
    id,
    login: id,
    name: id,
    role: 'agent',
    skills: ['general'],
    languages: ['en'],
    tier: 1,
    capacity: 5,
    online: true,
    ...extra,
  };
}

/** A queued case at `queuedAt` (default 10:00), general skill, English, normal priority. */
export function kase(
  id: string,
  extra: Partial<Omit<StoredCase, 'internals'>> & { internals?: Partial<StoredCase['internals']> } = {},
): StoredCase {
  const { internals, ...rest } = extra;
  const queuedAt = rest.queuedAt ?? '2026-03-01T10:00:00.000Z';
  return {
    id,
    conversationId: `conv-${id}`,
    playerId: `player-${id}`,
    casinoPlayerId: null,
    channel: 'web',
    language: 'en',
    reason: 'player_request',
    skill: 'general',
    tier: 1,
    priority: 'normal',
    vipTier: null,
    personalManager: null,
    status: 'queued',
    agentId: null,
    queuedAt,
    assignedAt: null,
    firstReplyAt: null,
    closedAt: null,
    resolved: null,
    sla: { firstReplyDueAt: '2026-03-01T10:05:00.000Z', escalateAt: '2026-03-01T11:00:00.000Z', state: 'ok', breaches: [] },
    csat: null,
    csatAt: null,
    ...rest,
    internals: {
      conversationKey: `key-${id}`,
      playerName: null,
      lastMessage: null,
      excluded: [],
      anySkill: false,
      responsibleGambling: false,
      notice: null,
      csatAskedAt: null,
      seq: ++seq,
      ...internals,
    },
  };
}
