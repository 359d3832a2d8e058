import { describe, expect, it } from 'vitest';
import { maskDeep, maskPersonalData } from '../../src/core/mask.js';

describe('maskPersonalData', () => {
  it('masks card numbers that pass the Luhn check, keeping the last four digits', () => {
    expect(maskPersonalData('card 4111 1111 1111 1111 please')).toBe('card ************1111 please');
    expect(maskPersonalData('5500-0000-0000-0004')).toBe('************0004');
    expect(maskPersonalData('amex 378282246310005')).toBe('amex ***********0005');
  });

  it('leaves 16-digit numbers that are not cards (order ids) alone', () => {
    expect(maskPersonalData('order 1234567890123456')).toBe('order 1234567890123456');
  });

  it('masks IBANs', () => {
    expect(maskPersonalData('IBAN DE89 3704 0044 0532 0130 00')).not.toContain('3704');
    expect(maskPersonalData('GB29NWBK60161331926819')).toMatch(/^GB\*+6819$/);
    expect(maskPersonalData('RO49AAAA1B31007593840000 ok')).toMatch(/^RO\*+0000 ok$/);
  });

  it('masks e-mails keeping the domain, and phone numbers keeping two digits', () => {
    expect(maskPersonalData('write to ana.garcia+1@example.com')).toBe('write to ***@example.com');
    expect(maskPersonalData('call +34 612 345 678')).toBe('call +*********78');
    expect(maskPersonalData('tel +7 (912) 345-67-89')).toBe('tel +*********89');
    expect(maskPersonalData('0721 234 567')).toBe('********67');
  });

  it('does not mangle dates and amounts', () => {
    expect(maskPersonalData('on 2024-05-01 I paid 1500 EUR')).toBe('on 2024-05-01 I paid 1500 EUR');
    expect(maskPersonalData('code 123456')).toBe('code 123456');
  });

  it('masks every string inside objects and arrays', () => {
    expect(maskDeep({ a: ['x@y.io', { card: '4111111111111111' }], n: 5 })).toEqual({
      a: ['***@y.io', { card: '************1111' }],
      n: 5,
    });
  });
});
