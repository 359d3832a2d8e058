import { describe, expect, it } from 'vitest';
import { estimateWaitMinutes, medianHandleMs } from '../../src/handoff/estimate.js';
import { isOpen, nextOpening, parseRange, type BusinessHours } from '../../src/handoff/hours.js';
import { decoyHash, hashPassword, newSessionToken, tokenHash, verifyPassword } from '../../src/handoff/passwords.js';
import { dueBreaches, slaState, startSla, type SlaSettings } from '../../src/handoff/sla.js';
import { kase } from './fixtures.js';

const settings: SlaSettings = {
  firstReplyMs: (channel) => (channel === 'email' ? 60 * 60_000 : 5 * 60_000),
  escalateAfterMs: 60 * 60_000,
  warningRatio: 0.8,
};
const start = new Date('2026-03-01T10:00:00Z');
const plus = (minutes: number) => new Date(start.getTime() + minutes * 60_000);

describe('SLA clock', () => {
  it('starts at hand-off with the channel target and the escalation time', () => {
    expect(startSla(start, 'web', settings)).toEqual({
      firstReplyDueAt: '2026-03-01T10:05:00.000Z',
      escalateAt: '2026-03-01T11:00:00.000Z',
      state: 'ok',
      breaches: [],
    });
    expect(startSla(start, 'email', settings).firstReplyDueAt).toBe('2026-03-01T11:00:00.000Z');
  });

  it('goes ok → warning (80 % of the window) → breached without a first reply', () => {
    const c = kase('c', { sla: startSla(start, 'web', settings) });
    expect(slaState(c, plus(3), settings)).toBe('ok');
    expect(slaState(c, plus(4), settings)).toBe('warning');
    expect(slaState(c, plus(5), settings)).toBe('breached');
    expect(dueBreaches(c, plus(4.9))).toEqual([]);
    expect(dueBreaches(c, plus(5))).toEqual(['first_reply']);
  });

  it('after the first reply, watches the escalation time instead', () => {
    const c = kase('c', { sla: startSla(start, 'web', settings), firstReplyAt: plus(2).toISOString(), status: 'assigned', agentId: 'a' });
    expect(slaState(c, plus(10), settings)).toBe('ok');
    expect(slaState(c, plus(48), settings)).toBe('warning');
    expect(dueBreaches(c, plus(59))).toEqual([]);
    expect(dueBreaches(c, plus(60))).toEqual(['resolution']);
  });

  it('records a first-reply breach once, and a breach keeps the case marked breached', () => {
    const c = kase('c', { sla: { ...startSla(start, 'web', settings), breaches: [{ kind: 'first_reply', at: plus(5).toISOString() }] } });
    expect(dueBreaches(c, plus(6))).toEqual([]);
    expect(slaState({ ...c, firstReplyAt: plus(7).toISOString() }, plus(8), settings)).toBe('breached');
    expect(dueBreaches({ ...c, status: 'closed' }, plus(90))).toEqual([]);
  });
});

describe('business hours', () => {
  const hours: BusinessHours = {
    timezone: 'Europe/Berlin',
    weekly: { mon: ['09:00-18:00'], tue: ['09:00-18:00'], wed: ['09:00-12:00', '13:00-18:00'], sat: ['22:00-24:00'], sun: ['00:00-02:00'] },
  };

  it('parses ranges and refuses nonsense', () => {
    expect(parseRange('09:00-18:30')).toEqual({ start: 540, end: 1110 });
    expect(parseRange('22:00-24:00')).toEqual({ start: 1320, end: 1440 });
    expect(parseRange('18:00-09:00')).toBeUndefined();
    expect(parseRange('9-5')).toBeUndefined();
  });

  it('is always open without hours (24/7)', () => {
    expect(isOpen(null, start)).toBe(true);
    expect(nextOpening(null, start)).toEqual(start);
  });

  it('knows open and closed in the team time zone, including winter and summer time', () => {
    // 2026-03-02 is a Monday; Berlin is UTC+1 in March before the 29th
    expect(isOpen(hours, new Date('2026-03-02T07:59:00Z'))).toBe(false);
    expect(isOpen(hours, new Date('2026-03-02T08:00:00Z'))).toBe(true);
    expect(isOpen(hours, new Date('2026-03-02T16:59:00Z'))).toBe(true);
    expect(isOpen(hours, new Date('2026-03-02T17:00:00Z'))).toBe(false);
    // lunch break on Wednesday
    expect(isOpen(hours, new Date('2026-03-04T11:30:00Z'))).toBe(false);
    // 2026-04-06 is a Monday in summer time (UTC+2)
    expect(isOpen(hours, new Date('2026-04-06T07:00:00Z'))).toBe(true);
    expect(isOpen(hours, new Date('2026-04-06T06:59:00Z'))).toBe(false);
  });

  it('finds the next opening: later today, after lunch, next week, across midnight', () => {
    expect(nextOpening(hours, new Date('2026-03-02T06:00:00Z'))?.toISOString()).toBe('2026-03-02T08:00:00.000Z');
    expect(nextOpening(hours, new Date('2026-03-04T11:30:00Z'))?.toISOString()).toBe('2026-03-04T12:00:00.000Z');
    // Wednesday evening → Saturday 22:00 Berlin
    expect(nextOpening(hours, new Date('2026-03-04T18:00:00Z'))?.toISOString()).toBe('2026-03-07T21:00:00.000Z');
    // Sunday 03:00 Berlin → Monday 09:00
    expect(nextOpening(hours, new Date('2026-03-08T02:00:00Z'))?.toISOString()).toBe('2026-03-09T08:00:00.000Z');
    expect(nextOpening({ timezone: 'UTC', weekly: {} }, start)).toBeNull();
  });
});

describe('estimated wait', () => {
  it('uses the default handling time until a few cases are known, then the median', () => {
    expect(medianHandleMs([], 480_000)).toBe(480_000);
    expect(medianHandleMs([60_000, 120_000], 480_000)).toBe(480_000);
    expect(medianHandleMs([60_000, 600_000, 120_000], 480_000)).toBe(120_000);
    expect(medianHandleMs([60_000, 600_000, 120_000, 180_000], 480_000)).toBe(150_000);
  });

  it('is position × handling time ÷ slots, in whole minutes, at least one', () => {
    expect(estimateWaitMinutes(1, 8 * 60_000, 5)).toBe(2);
    expect(estimateWaitMinutes(3, 8 * 60_000, 2)).toBe(12);
    expect(estimateWaitMinutes(1, 10_000, 10)).toBe(1);
    expect(estimateWaitMinutes(2, 8 * 60_000, 0)).toBe(16);
  });
});

describe('passwords and session tokens', () => {
  it('hashes with scrypt and a per-password salt, and verifies', async () => {
    const one = await hashPassword('correct horse');
    const two = await hashPassword('correct horse');
    expect(one).toMatch(/^scrypt\$32768\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    expect(one).not.toBe(two);
    expect(one).not.toContain('correct');
    expect(await verifyPassword('correct horse', one)).toBe(true);
    expect(await verifyPassword('correct horsE', one)).toBe(false);
    expect(await verifyPassword('correct horse', 'plain')).toBe(false);
    expect(await verifyPassword('x', await decoyHash())).toBe(false);
  });

  it('issues random tokens and keeps only their hash', () => {
    const { token, hash } = newSessionToken();
    expect(token).toMatch(/^[\w-]{43}$/);
    expect(hash).toBe(tokenHash(token));
    expect(hash).not.toBe(token);
    expect(newSessionToken().token).not.toBe(token);
  });
});
