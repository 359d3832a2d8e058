import type { BreachKind, Case, CaseSla, SlaState } from './model.js';

/**
 * SLA clocks, pure. A case's clocks start at hand-off (or when business hours begin, if it came in
 * while the team was away): the first agent reply is due within the channel's target (chat:
 * 5 minutes by default), and a case still open after `escalateAfterMs` (60 minutes) goes up a tier,
 * again every `escalateAfterMs` while it stays open. `warning` starts when `warningRatio` of a
 * window has passed; `breached` sticks once a breach happened, so the queue keeps showing it.
 */
export interface SlaSettings {
  /** First-reply target for a channel, in ms. */
  firstReplyMs(channel: string): number;
  readonly escalateAfterMs: number;
  /** 0–1: the share of a window after which the case shows `warning` (default 0.8). */
  readonly warningRatio: number;
}

export function startSla(start: Date, channel: string, settings: SlaSettings): CaseSla {
  return {
    firstReplyDueAt: new Date(start.getTime() + settings.firstReplyMs(channel)).toISOString(),
    escalateAt: new Date(start.getTime() + settings.escalateAfterMs).toISOString(),
    state: 'ok',
    breaches: [],
  };
}

/** Breaches due now that are not recorded yet: the first reply once, the resolution at every escalation time. */
export function dueBreaches(c: Pick<Case, 'firstReplyAt' | 'status' | 'sla'>, now: Date): BreachKind[] {
  if (c.status === 'closed') return [];
  const due: BreachKind[] = [];
  const t = now.getTime();
  if (c.firstReplyAt === null && t >= Date.parse(c.sla.firstReplyDueAt) && !c.sla.breaches.some((b) => b.kind === 'first_reply')) {
    due.push('first_reply');
  }
  if (t >= Date.parse(c.sla.escalateAt)) due.push('resolution');
  return due;
}

export function slaState(c: Pick<Case, 'firstReplyAt' | 'status' | 'channel' | 'sla'>, now: Date, settings: SlaSettings): SlaState {
  if (c.sla.breaches.length > 0) return 'breached';
  if (c.status === 'closed') return 'ok';
  const t = now.getTime();
  const firstDue = Date.parse(c.sla.firstReplyDueAt);
  if (c.firstReplyAt === null) {
    if (t >= firstDue) return 'breached';
    if (t >= firstDue - (1 - settings.warningRatio) * settings.firstReplyMs(c.channel)) return 'warning';
  }
  const escalate = Date.parse(c.sla.escalateAt);
  if (t >= escalate) return 'breached';
  if (t >= escalate - (1 - settings.warningRatio) * settings.escalateAfterMs) return 'warning';
  return 'ok';
}
