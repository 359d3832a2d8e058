import { createHmac, timingSafeEqual } from 'node:crypto';
import { CroupierError } from '../../src/core/errors.js';
import { verifyPlayerToken, type PlayerTokenClaims } from '../../src/core/player-token.js';

/**
 * Player tokens in Telegram deep links (`https://t.me/<bot>?start=<token>`).
 *
 * Telegram passes a deep-link parameter only if it is at most 64 characters of `A-Z a-z 0-9 _ -`,
 * and a standard player token (`src/core/player-token.ts`) is longer and contains a dot. So the
 * casino site signs a compact form for deep links, with the same secret
 * (`CROUPIER_PLAYER_TOKEN_SECRET`) under a separate MAC domain:
 *
 *   base64url( exp: uint32 big-endian seconds | sub: UTF-8, 1–32 bytes | MAC: 12 bytes )
 *   MAC = first 12 bytes of HMAC-SHA256(secret, "croupier-telegram-start:" | exp | sub)
 *
 * A `/start <token>` typed by hand (or sent by a client that allows it) may also carry a standard
 * token; {@link readStartToken} accepts both.
 *
 * @example const link = `https://t.me/RoyalAceBot?start=${signStartToken({ sub: 'P-1001', exp }, secret)}`
 */
export const START_PARAMETER_MAX = 64;
const MAC_BYTES = 12;
const SUB_MAX_BYTES = 32;
const DOMAIN = Buffer.from('croupier-telegram-start:');
const STANDARD_TOKEN = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const START_PARAMETER = /^[A-Za-z0-9_-]{1,64}$/;

export function signStartToken(claims: Pick<PlayerTokenClaims, 'sub' | 'exp'>, secret: string): string {
  const sub = Buffer.from(claims.sub, 'utf8');
  if (sub.length === 0 || sub.length > SUB_MAX_BYTES)
    throw new RangeError(`sub must be 1-${SUB_MAX_BYTES} bytes of UTF-8 to fit a deep link`);
  if (!Number.isInteger(claims.exp) || claims.exp < 0 || claims.exp > 0xffffffff) throw new RangeError('exp must be whole seconds');
  const exp = Buffer.alloc(4);
  exp.writeUInt32BE(claims.exp);
  return Buffer.concat([exp, sub, mac(exp, sub, secret)]).toString('base64url');
}

/** What a `/start` parameter turned out to be. */
export type StartParameter =
  /** A verified player token: link the account. */
  | { readonly kind: 'player'; readonly claims: PlayerTokenClaims }
  /** A player token that failed (bad signature, expired, tokens disabled): never stored. */
  | { readonly kind: 'refused'; readonly error: CroupierError }
  /** Anything else (a campaign reference…), passed on as `/start <parameter>`. */
  | { readonly kind: 'other' };

/**
 * Classifies a `/start` parameter. A standard token (it has a dot) or a compact token whose MAC
 * matches is a player token, verified or refused; anything else is an ordinary deep-link parameter.
 */
export function readStartToken(parameter: string, secret: string | undefined, now: Date): StartParameter {
  if (STANDARD_TOKEN.test(parameter)) {
    if (!secret) return { kind: 'refused', error: tokensDisabled() };
    try {
      return { kind: 'player', claims: verifyPlayerToken(parameter, secret, now) };
    } catch (error) {
      if (error instanceof CroupierError) return { kind: 'refused', error };
      throw error;
    }
  }
  if (!secret || !START_PARAMETER.test(parameter)) return { kind: 'other' };
  const bytes = Buffer.from(parameter, 'base64url');
  if (bytes.length < 4 + 1 + MAC_BYTES || bytes.toString('base64url') !== parameter) return { kind: 'other' };
  const exp = bytes.subarray(0, 4);
  const sub = bytes.subarray(4, bytes.length - MAC_BYTES);
  const given = bytes.subarray(bytes.length - MAC_BYTES);
  if (!timingSafeEqual(given, mac(exp, sub, secret))) return { kind: 'other' };
  const expSeconds = exp.readUInt32BE();
  if (expSeconds * 1000 <= now.getTime()) {
    return { kind: 'refused', error: new CroupierError('CROUPIER_TOKEN_INVALID', 'player token has expired') };
  }
  return { kind: 'player', claims: { sub: sub.toString('utf8'), exp: expSeconds } };
}

function mac(exp: Buffer, sub: Buffer, secret: string): Buffer {
  return createHmac('sha256', secret).update(DOMAIN).update(exp).update(sub).digest().subarray(0, MAC_BYTES);
}

function tokensDisabled(): CroupierError {
  return new CroupierError(
    'CROUPIER_TOKEN_INVALID',
    'player tokens are not enabled on this server (CROUPIER_PLAYER_TOKEN_SECRET is unset)',
  );
}
