import { describe, expect, it } from 'vitest';
import { renderTemplate, templatePaths } from '../../src/dialogue/template.js';

const data = {
  slots: {
    wd: { amount: { amount: 1450.5, currency: 'EUR' }, created_at: '2026-03-04T10:00:00Z', percent: 42, items: ['selfie', 'utility bill'] },
  },
  player: { name: 'Ana' },
};

describe('templates', () => {
  it('formats money, dates and percentages for the player language with Intl', () => {
    // Intl separates with no-break spaces; compare with plain ones
    const t = (language: string) =>
      renderTemplate(
        '{player.name}: {slots.wd.amount|money} · {slots.wd.created_at|date} · {slots.wd.percent|percent}',
        data,
        language,
      ).replace(/[\u00a0\u202f]/g, ' ');
    expect(t('en')).toBe('Ana: €1,450.50 · Mar 4, 2026 · 42%');
    expect(t('de')).toBe('Ana: 1.450,50 € · 04.03.2026 · 42 %');
    expect(t('es')).toMatch(/^Ana: 1450,50 € · 4 mar 2026 · 42 %$/);
    expect(t('ru')).toMatch(/^Ana: 1 450,50 € · 4 мар\. 2026 г\. · 42 %$/);
    expect(t('ro')).toBe('Ana: 1.450,50 EUR · 4 mar. 2026 · 42 %');
  });

  it('keeps formats apart by language, currency and filter when formatters are reused, and an unknown currency stays plain text', () => {
    const money = (amount: number, currency: string, language: string) =>
      renderTemplate('{slots.m|money}', { slots: { m: { amount, currency } } }, language).replace(/[\u00a0\u202f]/g, ' ');
    for (let round = 0; round < 2; round++) {
      expect(money(1450.5, 'EUR', 'en')).toBe('€1,450.50');
      expect(money(1450.5, 'USD', 'en')).toBe('$1,450.50');
      expect(money(1450.5, 'EUR', 'de')).toBe('1.450,50 €');
      expect(money(3, 'NOT-A-CURRENCY', 'en')).toBe('3 NOT-A-CURRENCY');
      expect(renderTemplate('{slots.n|number} {slots.d|datetime}', { slots: { n: 2.345, d: 'not a date' } }, 'en')).toBe('2.35 not a date');
    }
  });

  it('renders lists and plain values, and a missing value as a dash it reports', () => {
    const missing: string[] = [];
    expect(renderTemplate('missing: {slots.wd.items}; {slots.nope|money}', data, 'en', (p) => missing.push(p))).toBe(
      'missing: selfie, utility bill; —',
    );
    expect(missing).toEqual(['slots.nope']);
    expect(templatePaths('{a.b|money} and {c}')).toEqual(['a.b', 'c']);
  });
});
