import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { isCroupierError } from '../../src/core/errors.js';
import { signPlayerToken, verifyPlayerToken, type PlayerTokenClaims } from '../../src/core/player-token.js';

const SECRET = 'test-secret-with-enough-entropy';
const clock = new ManualClock('2026-03-01T12:00:00Z');
const nowSeconds = clock.now().getTime() / 1000;
const claims: PlayerTokenClaims = { sub: 'P-1001', exp: nowSeconds + 600, name: 'Ana' };

function rejection(token: string, secret = SECRET, now = clock.now()): unknown {
  try {
    verifyPlayerToken(token, secret, now);
  } catch (error) {
    return error;
  }
  return undefined;
}

function expectInvalid(token: string, secret = SECRET, now = clock.now()): void {
  const error = rejection(token, secret, now);
  expect(isCroupierError(error, 'CROUPIER_TOKEN_INVALID'), `expected CROUPIER_TOKEN_INVALID, got ${String(error)}`).toBe(true);
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('player tokens', () => {
  it('a signed token verifies and returns its claims', () => {
    const token = signPlayerToken(claims, SECRET);
    expect(token.split('.')).toHaveLength(2);
    expect(verifyPlayerToken(token, SECRET, clock.now())).toEqual(claims);
  });

  it('works without the optional name', () => {
    const token = signPlayerToken({ sub: 'P-7', exp: nowSeconds + 1 }, SECRET);
    expect(verifyPlayerToken(token, SECRET, clock.now())).toEqual({ sub: 'P-7', exp: nowSeconds + 1 });
  });

  it('a tampered body is rejected', () => {
    const [, signature] = signPlayerToken(claims, SECRET).split('.');
    expectInvalid(`${b64({ ...claims, sub: 'P-9999' })}.${signature}`);
    expectInvalid(`${b64({ ...claims, exp: nowSeconds + 10_000_000 })}.${signature}`);
  });

  it('a tampered signature is rejected', () => {
    const [body, signature] = signPlayerToken(claims, SECRET).split('.') as [string, string];
    const flipped = `${signature.slice(0, -1)}${signature.endsWith('A') ? 'B' : 'A'}`;
    expectInvalid(`${body}.${flipped}`);
    expectInvalid(`${body}.${signature.slice(0, -2)}`);
    expectInvalid(`${body}.${signature}x`);
  });

  it('a token signed with another secret is rejected', () => {
    expectInvalid(signPlayerToken(claims, 'another-secret'));
    expectInvalid(signPlayerToken(claims, SECRET), 'another-secret');
  });

  it('an expired token is rejected, at and after its expiry second', () => {
    const token = signPlayerToken({ sub: 'P-1', exp: nowSeconds + 60 }, SECRET);
    const later = new ManualClock(clock.now());
    later.advance(59_999);
    expect(verifyPlayerToken(token, SECRET, later.now()).sub).toBe('P-1');
    later.advance(1);
    expectInvalid(token, SECRET, later.now());
    later.advance(3_600_000);
    expectInvalid(token, SECRET, later.now());
  });

  it('malformed tokens are rejected', () => {
    const token = signPlayerToken(claims, SECRET);
    for (const bad of ['', '.', 'abc', `${token}.extra`, `.${token.split('.')[1]}`, `${token.split('.')[0]}.`]) expectInvalid(bad);
  });

  it('a correctly signed body that is not JSON, or lacks sub or exp, is rejected', () => {
    // the helper signs like the real thing: a valid body passes, so the rejections below are about the body
    expect(verifyPlayerToken(signedRaw(JSON.stringify(claims)), SECRET, clock.now())).toEqual(claims);
    expectInvalid(signedRaw('not json at all'));
    expectInvalid(signedRaw(JSON.stringify({ exp: nowSeconds + 60 })));
    expectInvalid(signedRaw(JSON.stringify({ sub: '', exp: nowSeconds + 60 })));
    expectInvalid(signedRaw(JSON.stringify({ sub: 'P-1' })));
    expectInvalid(signedRaw(JSON.stringify({ sub: 'P-1', exp: String(nowSeconds + 60) })));
    expectInvalid(signedRaw(JSON.stringify({ sub: 'P-1', exp: nowSeconds + 60, name: 42 })));
    expectInvalid(signedRaw('null'));
  });
});

/** A token whose body is exactly `json` (any text), signed with SECRET by the same HMAC scheme. */
function signedRaw(json: string): string {
  const body = Buffer.from(json).toString('base64url');
  return `${body}.${createHmac('sha256', SECRET).update(body).digest('base64url')}`;
}
