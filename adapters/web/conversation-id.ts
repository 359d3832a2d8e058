import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Web conversation ids are issued by the server and signed, so a browser can keep one across
 * reloads and reconnects before its first message is stored, and a made-up id is refused.
 * Format: `<22 chars random>.<16 chars HMAC>`.
 */
export function issueConversationId(secret: string): string {
  const random = randomBytes(16).toString('base64url');
  return `${random}.${sign(random, secret)}`;
}

export function isValidConversationId(id: string, secret: string): boolean {
  const [random, signature, extra] = id.split('.');
  if (!random || !signature || extra !== undefined) return false;
  const expected = Buffer.from(sign(random, secret));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

function sign(random: string, secret: string): string {
  return createHmac('sha256', secret).update(`web-conversation:${random}`).digest('base64url').slice(0, 16);
}
