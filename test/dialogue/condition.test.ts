import { describe, expect, it } from 'vitest';
import { ConditionSyntaxError, evaluate, parseCondition } from '../../src/dialogue/condition.js';

const data = {
  player: { vip_tier: 'Gold', verified: true, kyc_status: 'pending', balance: 120.5, bonuses: ['welcome', 'reload'] },
  slots: { amount: '500', email: 'ana@example.com' },
  entities: { payment_method: 'Skrill' },
};
const check = (source: string) => evaluate(parseCondition(source), data);

describe('conditions', () => {
  it('compares fields with numbers, words and quoted strings, case-insensitively for text', () => {
    expect(check('player.vip_tier == gold')).toBe(true);
    expect(check('player.kyc_status != "approved"')).toBe(true);
    expect(check('slots.amount >= 500')).toBe(true);
    expect(check('slots.amount > 500')).toBe(false);
    expect(check('player.balance < 200.75')).toBe(true);
    expect(check('player.verified == true')).toBe(true);
  });

  it('supports in, contains, exists, not, and/or with precedence and parentheses', () => {
    expect(check('player.vip_tier in [silver, gold, "platinum"]')).toBe(true);
    expect(check('player.bonuses contains reload')).toBe(true);
    expect(check('exists entities.payment_method')).toBe(true);
    expect(check('exists entities.amount')).toBe(false);
    expect(check('not player.verified or player.kyc_status == pending')).toBe(true);
    expect(check('player.vip_tier == bronze or player.verified and slots.amount == 500')).toBe(true);
    expect(check('(player.vip_tier == bronze or player.verified) and slots.amount == 1')).toBe(false);
  });

  it('treats missing fields as absent, never as an error', () => {
    expect(check('player.nothing == 3')).toBe(false);
    expect(check('player.nothing == null')).toBe(true);
    expect(check('nothing.at.all > 1')).toBe(false);
    expect(check('player.constructor')).toBe(false);
  });

  it('reports syntax errors with a column', () => {
    const error = (source: string) => {
      try {
        parseCondition(source);
      } catch (e) {
        return e as ConditionSyntaxError;
      }
      throw new Error('no error');
    };
    expect(error('').column).toBe(1);
    expect(error('player.tier ==').column).toBe(15);
    expect(error('player.tier in [gold').message).toMatch(/expected "\]"/);
    expect(error('player.tier == gold silver').column).toBe(21);
    expect(error('== gold').column).toBe(1);
  });
});
