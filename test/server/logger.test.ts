import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CroupierError } from '../../src/core/errors.js';
import { createLogger } from '../../src/server/logger.js';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _e, cb) {
      lines.push(chunk.toString('utf8'));
      cb();
    },
  });
  return { log: createLogger({ level: 'info', destination }), text: () => lines.join('') };
}

describe('logger', () => {
  it('redacts secrets and masks personal data in fields, messages and errors', () => {
    const { log, text } = capture();
    log.info(
      {
        email: 'ana@example.com',
        card: '4111 1111 1111 1111',
        password: 'hunter2',
        token: 'abc.def',
        req: { headers: { authorization: 'Bearer sk-live-123' } },
        nested: { secret: 'shh', apiKey: 'k-1' },
      },
      'player wrote from +34 612 345 678',
    );
    log.error({ err: new Error('failed for bob@example.com with card 5500000000000004') }, 'boom');
    const out = text();
    for (const leaked of [
      'ana@example.com',
      '4111 1111 1111 1111',
      'hunter2',
      'abc.def',
      'sk-live-123',
      'shh',
      'k-1',
      '612 345 678',
      'bob@example.com',
      '5500000000000004',
    ]) {
      expect(out).not.toContain(leaked);
    }
    expect(out).toContain('[redacted]');
    expect(out).toContain('***@example.com');
    expect(out).toContain('************1111');
    expect(out).toContain('************0004');
  });
});

describe('logger output', () => {
  function lines() {
    const out: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _e, cb) {
        out.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        cb();
      },
    });
    const log = createLogger({ level: 'info', destination });
    return { log, json: () => out.map((line) => JSON.parse(line) as Record<string, unknown>), raw: () => out.join('\n') };
  }

  it('writes one JSON object per line with the secret paths replaced by [redacted]', () => {
    const { log, json } = lines();
    log.info(
      {
        password: 'hunter2',
        token: 'tok-1',
        secret: 's-1',
        req: { headers: { authorization: 'Bearer sk-live-123', cookie: 'sid=abc', 'x-hub-signature-256': 'sha256=ff', accept: 'json' } },
        headers: { authorization: 'Basic Zm9vOmJhcg==' },
        body: { playerToken: 'pt-1', accessToken: 'at-1', apiKey: 'key-1', password: 'p-2' },
        player: { email: 'ana.garcia@example.com', card: '4111 1111 1111 1111', iban: 'DE89 3704 0044 0532 0130 00' },
      },
      'player wrote from +34 612 345 678',
    );
    const [line] = json();
    expect(line).toMatchObject({
      level: 30,
      service: 'croupier',
      password: '[redacted]',
      token: '[redacted]',
      secret: '[redacted]',
      req: {
        headers: { authorization: '[redacted]', cookie: '[redacted]', 'x-hub-signature-256': '[redacted]', accept: 'json' },
      },
      headers: { authorization: '[redacted]' },
      body: { playerToken: '[redacted]', accessToken: '[redacted]', apiKey: '[redacted]', password: '[redacted]' },
      player: { email: '***@example.com', card: '************1111', iban: 'DE****************3000' },
      msg: 'player wrote from +*********78',
    });
  });

  it('masks an error logged under err, keeping its type and CROUPIER_* code', () => {
    const { log, json, raw } = lines();
    log.error({ err: new CroupierError('CROUPIER_STORE_FAILED', 'insert failed for ana@example.com') }, 'turn failed');
    const err = json()[0]?.['err'] as Record<string, unknown>;
    expect(err).toMatchObject({ type: 'CroupierError', code: 'CROUPIER_STORE_FAILED', message: 'insert failed for ***@example.com' });
    expect(raw()).not.toContain('ana@example.com');
  });

  it('masks the cause of an error', () => {
    const { log, raw } = lines();
    log.error({ err: new Error('lookup failed', { cause: new Error('no player +34 612 345 678') }) }, 'boom');
    expect(raw()).not.toContain('612 345 678');
    expect(raw()).toContain('lookup failed');
  });

  it('masks a lone error, whose message pino would otherwise use as the line message', () => {
    const { log, json, raw } = lines();
    log.error(new TypeError('bad card 4111111111111111'));
    log.error({ err: new Error('bad mail bob@example.com') });
    expect(raw()).not.toContain('4111111111111111');
    expect(raw()).not.toContain('bob@example.com');
    expect(json()[0]).toMatchObject({ msg: 'bad card ************1111', err: { type: 'TypeError' } });
    expect(json()[1]).toMatchObject({ msg: 'bad mail ***@example.com' });
  });

  it('masks printf-style arguments, strings and objects', () => {
    const { log, json, raw } = lines();
    log.info('player %s wrote %o', 'ana@example.com', { phone: '+7 (912) 345-67-89' });
    expect(raw()).not.toContain('ana@example.com');
    expect(raw()).not.toContain('345-67-89');
    expect(String(json()[0]?.['msg'])).toContain('***@example.com');
  });

  it('masks personal data in child logger bindings, at every generation', () => {
    const { log, json, raw } = lines();
    const child = log.child({ channel: 'whatsapp', conversationKey: '+34 612 345 678' });
    child.info('one');
    child.child({ turn: 't-1', email: 'ana@example.com' }).info('two');
    expect(raw()).not.toContain('612 345 678');
    expect(raw()).not.toContain('ana@example.com');
    expect(json()[1]).toMatchObject({ channel: 'whatsapp', conversationKey: '+*********78', turn: 't-1', email: '***@example.com' });
  });

  it('never passes deeply nested objects through unmasked', () => {
    const { log, raw } = lines();
    log.info({ a: { b: { c: { d: { e: { f: { g: { h: { email: 'deep@example.com' } } } } } } } } }, 'deep');
    expect(raw()).not.toContain('deep@example.com');
  });

  it('keeps harmless data as it is', () => {
    const { log, json } = lines();
    log.info({ amount: 1500, currency: 'EUR', at: '2024-05-01', conversationId: 'c-1' }, 'deposit of 1500 EUR on 2024-05-01');
    expect(json()[0]).toMatchObject({
      amount: 1500,
      currency: 'EUR',
      at: '2024-05-01',
      conversationId: 'c-1',
      msg: 'deposit of 1500 EUR on 2024-05-01',
    });
  });

  it('respects the level', () => {
    const out: string[] = [];
    const log = createLogger({
      level: 'warn',
      destination: new Writable({ write: (c: Buffer, _e, cb) => (out.push(c.toString()), cb()) }),
    });
    log.info('hidden');
    log.warn('shown');
    expect(out).toHaveLength(1);
  });
});
