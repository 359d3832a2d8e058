import { describe, expect, it } from 'vitest';
import { canSee, compareCases, eligible, loadsOf, planAssignments, priorityRank, queuePositions } from '../../src/handoff/routing.js';
import { agent, kase } from './fixtures.js';

const at = (minute: number) => new Date(Date.UTC(2026, 2, 1, 10, minute)).toISOString();

describe('queue order', () => {
  it('puts responsible gambling first, then VIPs by tier, then complaints (high), then the rest, then low', () => {
    const cases = [
      kase('low', { priority: 'low', queuedAt: at(0) }),
      kase('normal', { priority: 'normal', queuedAt: at(1) }),
      kase('complaint', { priority: 'high', reason: 'complaint', queuedAt: at(2) }),
      kase('silver', { vipTier: 2, queuedAt: at(3) }),
      kase('diamond', { vipTier: 5, queuedAt: at(4) }),
      kase('rg', { priority: 'urgent', skill: 'responsible_gambling', queuedAt: at(5) }),
    ];
    expect([...cases].sort(compareCases).map((c) => c.id)).toEqual(['rg', 'diamond', 'silver', 'complaint', 'normal', 'low']);
    expect(priorityRank(cases[5]!)).toBe(0);
    expect(priorityRank(cases[4]!)).toBe(1);
  });

  it('is first come, first served within a priority (and by arrival order on the same instant)', () => {
    const a = kase('a', { priority: 'high', queuedAt: at(7) });
    const b = kase('b', { priority: 'high', queuedAt: at(3) });
    const c = kase('c', { priority: 'high', queuedAt: at(5) });
    const sameTime1 = kase('s1', { queuedAt: at(9) });
    const sameTime2 = kase('s2', { queuedAt: at(9) });
    expect([a, b, c].sort(compareCases).map((x) => x.id)).toEqual(['b', 'c', 'a']);
    expect([sameTime2, sameTime1].sort(compareCases).map((x) => x.id)).toEqual(['s1', 's2']);
    const vipOld = kase('vip-old', { vipTier: 3, queuedAt: at(1) });
    const vipNew = kase('vip-new', { vipTier: 3, queuedAt: at(2) });
    expect([vipNew, vipOld].sort(compareCases).map((x) => x.id)).toEqual(['vip-old', 'vip-new']);
  });

  it('numbers positions per queue (skill and language)', () => {
    const cases = [
      kase('en1', { queuedAt: at(1) }),
      kase('en2', { queuedAt: at(2) }),
      kase('es1', { language: 'es', queuedAt: at(0) }),
      kase('pay1', { skill: 'payments', queuedAt: at(0) }),
      kase('urgent', { priority: 'urgent', queuedAt: at(3) }),
      kase('taken', { status: 'assigned', agentId: 'x', queuedAt: at(0) }),
    ];
    const positions = queuePositions(cases);
    expect(Object.fromEntries(positions)).toEqual({ urgent: 1, en1: 2, en2: 3, es1: 1, pay1: 1 });
  });
});

describe('eligibility and visibility', () => {
  it('needs the skill, the language and a tier at least the case tier', () => {
    const c = kase('c', { skill: 'payments', language: 'de', tier: 2 });
    expect(eligible(agent('a', { skills: ['payments'], languages: ['de'], tier: 2 }), c)).toBe(true);
    expect(eligible(agent('a', { skills: ['payments'], languages: ['de'], tier: 3 }), c)).toBe(true);
    expect(eligible(agent('a', { skills: ['general'], languages: ['de'], tier: 3 }), c)).toBe(false);
    expect(eligible(agent('a', { skills: ['payments'], languages: ['en'], tier: 3 }), c)).toBe(false);
    expect(eligible(agent('a', { skills: ['payments'], languages: ['de'], tier: 1 }), c)).toBe(false);
    const relaxed = kase('r', { skill: 'payments', language: 'de', internals: { anySkill: true } });
    expect(eligible(agent('a', { skills: ['general'], languages: ['de'] }), relaxed)).toBe(true);
  });

  it('lets agents see their own cases and the queue routed to them; supervisors see everything', () => {
    const mine = kase('mine', { status: 'assigned', agentId: 'a' });
    const theirs = kase('theirs', { status: 'assigned', agentId: 'b' });
    const queuedForMe = kase('q1');
    const queuedNotForMe = kase('q2', { language: 'ru' });
    const a = agent('a');
    expect([mine, theirs, queuedForMe, queuedNotForMe].filter((c) => canSee(a, c)).map((c) => c.id)).toEqual(['mine', 'q1']);
    const boss = agent('boss', { role: 'supervisor', skills: [], languages: [] });
    expect([mine, theirs, queuedForMe, queuedNotForMe].filter((c) => canSee(boss, c))).toHaveLength(4);
  });
});

describe('assignment', () => {
  it('gives a case to the least-loaded eligible online agent', () => {
    const agents = [agent('busy'), agent('free'), agent('offline', { online: false }), agent('spanish', { languages: ['es'] })];
    const loads = new Map([['busy', 3]]);
    expect(planAssignments([kase('c')], agents, loads)).toEqual([{ caseId: 'c', agentId: 'free', viaManager: false }]);
  });

  it('spreads a burst of cases over agents, never over capacity, and leaves the rest queued in order', () => {
    const agents = [agent('a', { capacity: 2 }), agent('b', { capacity: 1 })];
    const cases = [1, 2, 3, 4, 5].map((n) => kase(`c${n}`, { queuedAt: at(n) }));
    const plan = planAssignments(cases, agents, new Map());
    expect(plan.map((p) => `${p.caseId}->${p.agentId}`)).toEqual(['c1->a', 'c2->b', 'c3->a']);
    const loads = new Map<string, number>();
    for (const p of plan) loads.set(p.agentId, (loads.get(p.agentId) ?? 0) + 1);
    expect(loads.get('a')).toBe(2);
    expect(loads.get('b')).toBe(1);
  });

  it('serves higher priorities first when slots are short', () => {
    const agents = [agent('only', { capacity: 1, skills: ['general', 'responsible_gambling'] })];
    const cases = [kase('normal', { queuedAt: at(0) }), kase('rg', { priority: 'urgent', skill: 'responsible_gambling', queuedAt: at(9) })];
    expect(planAssignments(cases, agents, new Map()).map((p) => p.caseId)).toEqual(['rg']);
  });

  it('does not let a case nobody can take block the cases behind it', () => {
    const agents = [agent('en')];
    const cases = [kase('ro', { language: 'ro', priority: 'urgent', queuedAt: at(0) }), kase('en-case', { queuedAt: at(1) })];
    expect(planAssignments(cases, agents, new Map()).map((p) => p.caseId)).toEqual(['en-case']);
  });

  it('breaks a tie in load by who has been idle longest', () => {
    const agents = [agent('recent'), agent('idle')];
    const idle = new Map([
      ['recent', Date.parse(at(30))],
      ['idle', Date.parse(at(1))],
    ]);
    expect(planAssignments([kase('c')], agents, new Map(), idle)[0]?.agentId).toBe('idle');
  });

  it('skips agents excluded from a case (transferred away, missed its SLA)', () => {
    const agents = [agent('a'), agent('b')];
    expect(planAssignments([kase('c', { internals: { excluded: ['a'] } })], agents, new Map([['b', 4]]))[0]?.agentId).toBe('b');
  });

  it('sends a VIP to their personal manager when the manager is online with a free slot', () => {
    const manager = agent('elena', { skills: ['vip'], languages: ['ru', 'en'], tier: 2 });
    const agents = [agent('idle-general', { languages: ['en', 'ru'] }), manager];
    const vip = kase('vip', { vipTier: 5, personalManager: 'elena', language: 'ru', skill: 'payments' });
    const loads = new Map([['elena', 3]]);
    expect(planAssignments([vip], agents, loads)).toEqual([{ caseId: 'vip', agentId: 'elena', viaManager: true }]);
  });

  it('routes a VIP normally when the manager is offline or full', () => {
    const agents = [agent('other'), agent('elena', { online: false })];
    const vip = kase('vip', { vipTier: 5, personalManager: 'elena' });
    expect(planAssignments([vip], agents, new Map())[0]).toEqual({ caseId: 'vip', agentId: 'other', viaManager: false });
    const full = [agent('other'), agent('elena', { capacity: 1 })];
    expect(planAssignments([vip], full, new Map([['elena', 1]]))[0]?.agentId).toBe('other');
  });

  it('keeps responsible-gambling cases with trained people, even for a VIP with a manager', () => {
    const agents = [agent('elena', { skills: ['vip'] }), agent('rg', { skills: ['responsible_gambling'] })];
    const c = kase('c', { vipTier: 4, personalManager: 'elena', priority: 'urgent', skill: 'responsible_gambling' });
    expect(planAssignments([c], agents, new Map())[0]?.agentId).toBe('rg');
  });

  it('counts loads from assigned cases only', () => {
    const cases = [kase('a1', { status: 'assigned', agentId: 'a' }), kase('a2', { status: 'assigned', agentId: 'a' }), kase('q')];
    expect(Object.fromEntries(loadsOf(cases))).toEqual({ a: 2 });
  });
});
