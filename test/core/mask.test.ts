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

describe('maskPersonalData: cards', () => {
  it.each([
    ['Visa with spaces', 'card 4111 1111 1111 1111', 'card ************1111'],
    ['Visa with dashes', 'card 4111-1111-1111-1111.', 'card ************1111.'],
    ['Visa compact', '4111111111111111', '************1111'],
    ['Amex, 15 digits in 4-6-5 groups', 'amex 3782 822463 10005', 'amex ***********0005'],
    ['19 digits', 'card 6304000000000000000 ok', 'card ***************0000 ok'],
    ['two cards in one text', '4111111111111111 and 5500000000000004', '************1111 and ************0004'],
  ])('masks %s to the last four digits', (_name, text, masked) => {
    expect(maskPersonalData(text)).toBe(masked);
  });

  it.each(['order 1234567890123456', 'order 1234-5678-9012-3456', 'ref 4111 1111 1111 1112', 'ticket 2024050112345678'])(
    'leaves %s alone (not Luhn-valid, so not a card)',
    (text) => {
      expect(maskPersonalData(text)).toBe(text);
    },
  );
});

describe('maskPersonalData: IBANs', () => {
  it.each([
    ['DE89 3704 0044 0532 0130 00', 'DE****************3000'],
    ['DE89370400440532013000', 'DE****************3000'],
    ['GB29NWBK60161331926819', 'GB****************6819'],
    ['GB29 NWBK 6016 1331 9268 19', 'GB****************6819'],
    ['RO49AAAA1B31007593840000', 'RO******************0000'],
    ['MT84 MALT 0110 0001 2345 MTLC AST0 01S', 'MT*************************001S'],
  ])('masks %s keeping the country and the last four', (iban, masked) => {
    expect(maskPersonalData(iban)).toBe(masked);
    expect(maskPersonalData(`pay to ${iban}, thanks`)).toBe(`pay to ${masked}, thanks`);
  });

  // Regression: the IBAN pattern accepted 1–4 character groups anywhere, so the words after an
  // IBAN were swallowed into it ("… 0130 00 BIC X" became "DE***…0BIC X").
  it('does not swallow the words that follow an IBAN', () => {
    expect(maskPersonalData('IBAN DE89 3704 0044 0532 0130 00 BIC COBADEFFXXX')).toBe('IBAN DE****************3000 BIC COBADEFFXXX');
    expect(maskPersonalData('to GB29 NWBK 6016 1331 9268 19 AND THEN')).toBe('to GB****************6819 AND THEN');
  });

  it('leaves short code-like words alone', () => {
    expect(maskPersonalData('promo AB12 CD and WELCOME100')).toBe('promo AB12 CD and WELCOME100');
  });
});

describe('maskPersonalData: e-mails and phones', () => {
  it.each([
    ['ana.garcia@example.com', '***@example.com'],
    ['Mail: JOHN_doe+vip@mail.casino.co.uk!', 'Mail: ***@mail.casino.co.uk!'],
  ])('masks %s keeping the domain', (text, masked) => {
    expect(maskPersonalData(text)).toBe(masked);
  });

  it.each([
    ['+34 612 345 678', '612', '+*********78'],
    ['+7 (912) 345-67-89', '912', '+*********89'],
    ['0721 234 567', '0721', '********67'],
    ['+40721234567', '0721234', '+*********67'],
    ['tel: 0721-234-567', '0721', 'tel: ********67'],
    ['+49 151 23456789', '23456', '+***********89'],
  ])('masks the phone %s', (text, secret, masked) => {
    const out = maskPersonalData(text);
    expect(out).toBe(masked);
    expect(out).not.toContain(secret);
  });
});

describe('maskPersonalData: what it must not touch', () => {
  it.each([
    'on 2024-05-01 I paid 1500 EUR',
    '2024-05-01T10:00:00Z',
    'between 2024-05-01 and 2024-05-03',
    'date 01.05.2024 and 1/5/2024',
    'withdrew €1,500.00 and 1.500,50 EUR, then 1 500 EUR',
    'bonus 100% up to 500 EUR, wager x35',
    'version 1.2.3.4',
    'card expires 12/27',
    '',
  ])('%j', (text) => {
    expect(maskPersonalData(text)).toBe(text);
  });

  it('masks everything in a realistic message and keeps the rest', () => {
    expect(maskPersonalData('Deposit of 1500 EUR on 2024-05-01 with 4111 1111 1111 1111 failed, call +34 612 345 678 or ana@x.es')).toBe(
      'Deposit of 1500 EUR on 2024-05-01 with ************1111 failed, call +*********78 or ***@x.es',
    );
  });
});

describe('maskDeep', () => {
  it('masks strings at every level of nested objects and arrays, leaving other values as they are', () => {
    const input = {
      player: { email: 'ana@example.com', phones: ['+34 612 345 678'], age: 30, vip: true, none: null },
      history: [{ text: 'my IBAN is GB29NWBK60161331926819' }, [{ card: '4111-1111-1111-1111' }]],
      at: undefined,
    };
    expect(maskDeep(input)).toEqual({
      player: { email: '***@example.com', phones: ['+*********78'], age: 30, vip: true, none: null },
      history: [{ text: 'my IBAN is GB****************6819' }, [{ card: '************1111' }]],
      at: undefined,
    });
  });

  it('does not modify its input', () => {
    const input = { email: 'ana@example.com', list: ['bob@example.com'] };
    maskDeep(input);
    expect(input).toEqual({ email: 'ana@example.com', list: ['bob@example.com'] });
  });

  it('masks a bare string and passes numbers through', () => {
    expect(maskDeep('ana@example.com')).toBe('***@example.com');
    expect(maskDeep(4111111111111111)).toBe(4111111111111111);
  });

  it('masks the message and stack of an error', () => {
    const masked = maskDeep({ err: new Error('failed for bob@example.com') }) as { err: { message: string; stack?: string } };
    expect(masked.err.message).toBe('failed for ***@example.com');
    expect(masked.err.stack ?? '').not.toContain('bob@example.com');
  });
});
