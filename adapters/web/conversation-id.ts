import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Web conversation ids are issued by the server and signed, so a browser can keep one across
 * reloads and reconnects before its first message is stored, and a made-up id is refused.
 * Format: `<22 chars random>.<16 chars HMAC>`.
 */
export function issueConversationId(secret: string): string {
  const random = randomBytes(16).toString('base64url');
  const id = `${random}.${sign(random, secret)}`;
  remember(id, secret);
  return id;
}

export function isValidConversationId(id: string, secret: string): boolean {
  if (verified.get(secret)?.has(id)) return true;
  const [random, signature, extra] = id.split('.');
  if (!random || !signature || extra !== undefined) return false;
  const expected = Buffer.from(sign(random, secret));
  const given = Buffer.from(signature);
  const valid = expected.length === given.length && timingSafeEqual(expected, given);
  if (valid) remember(id, secret);
  return valid;
}

/**
 * Ids whose signature checked out, per secret: every message of a conversation carries its id, and
 * an HMAC per message costs more than the rest of the route. Only valid ids are kept, so made-up
 * ones cannot fill it; the set is bounded and simply starts over when full.
 */
const verified = new Map<string, Set<string>>();
const VERIFIED_LIMIT = 50_000;

function remember(id: string, secret: string): void {
  let ids = verified.get(secret);
  if (!ids) verified.set(secret, (ids = new Set()));
  if (ids.size >= VERIFIED_LIMIT) ids.clear();
  ids.add(id);
}

function sign(random: string, secret: string): string {
  return createHmac('sha256', secret).update(`web-conversation:${random}`).digest('base64url').slice(0, 16);
}
