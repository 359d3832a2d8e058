import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
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
