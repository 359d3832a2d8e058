import { createHmac, timingSafeEqual } from 'node:crypto';
import { CroupierError } from './errors.js';

/**
 * Signed player tokens: the casino's logged-in site (or its Telegram deep link) vouches for who the
 * player is, so the bot may show account data without asking for a one-time code.
 * Format: `base64url(JSON claims).base64url(HMAC-SHA256(secret, first part))`.
 *
 * @example const token = signPlayerToken({ sub: 'P-1001', exp: Date.now() / 1000 + 600 }, secret)
 */
export interface PlayerTokenClaims {
  /** The casino's player id. */
  readonly sub: string;
  /** Expiry, seconds since the epoch. */
  readonly exp: number;
  /** Optional display name the site knows. */
  readonly name?: string;
}

export function signPlayerToken(claims: PlayerTokenClaims, secret: string): string {
  const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${body}.${mac(body, secret)}`;
}

/** Verifies signature and expiry in constant time; throws CROUPIER_TOKEN_INVALID with the reason. */
export function verifyPlayerToken(token: string, secret: string, now: Date): PlayerTokenClaims {
  const [body, signature, extra] = token.split('.');
  if (!body || !signature || extra !== undefined) throw new CroupierError('CROUPIER_TOKEN_INVALID', 'malformed player token');
  const expected = Buffer.from(mac(body, secret));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    throw new CroupierError('CROUPIER_TOKEN_INVALID', 'player token signature does not match');
  }
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    throw new CroupierError('CROUPIER_TOKEN_INVALID', 'player token body is not JSON');
  }
  if (!isClaims(claims)) throw new CroupierError('CROUPIER_TOKEN_INVALID', 'player token lacks sub or exp');
  if (claims.exp * 1000 <= now.getTime()) throw new CroupierError('CROUPIER_TOKEN_INVALID', 'player token has expired');
  return claims;
}

function mac(body: string, secret: string): string {
  return createHmac('sha256', secret).update(body).digest('base64url');
}

function isClaims(value: unknown): value is PlayerTokenClaims {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return (
    typeof record['sub'] === 'string' &&
    record['sub'] !== '' &&
    typeof record['exp'] === 'number' &&
    (record['name'] === undefined || typeof record['name'] === 'string')
  );
}
