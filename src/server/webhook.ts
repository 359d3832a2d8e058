import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { CroupierError } from '../core/errors.js';

/**
 * Shared pieces for platform webhooks. Signatures are computed over the exact bytes the platform
 * sent, so a webhook scope parses JSON itself after checking them: {@link rawJsonBodies} keeps the
 * body as a Buffer in that scope (and only there), {@link verifyHmac} compares in constant time,
 * and {@link parseJson} turns a malformed body into a coded 400.
 *
 * @example
 * await server.register(async (scope) => {
 *   rawJsonBodies(scope, 1_000_000);
 *   scope.post('/webhooks/x', async (request) => {
 *     verifyHmac('sha256', secret, request.body as Buffer, request.headers['x-signature'], 'hex');
 *     const update = parseJson(request.body as Buffer);
 *   });
 * });
 */
export function rawJsonBodies(scope: FastifyInstance, bodyLimit?: number): void {
  scope.removeContentTypeParser(['application/json']);
  scope.addContentTypeParser(
    ['application/json', 'application/*+json'],
    { parseAs: 'buffer', ...(bodyLimit === undefined ? {} : { bodyLimit }) },
    (_request, body, done) => done(null, body),
  );
}

/** Refuses with 401 unless `signature` is the HMAC of `body` under `secret` (`prefix` such as "sha256="). */
export function verifyHmac(
  algorithm: 'sha256' | 'sha1',
  secret: string,
  body: Buffer,
  signature: string | string[] | undefined,
  encoding: 'hex' | 'base64',
  prefix = '',
): void {
  const given = Array.isArray(signature) ? signature[0] : signature;
  if (!given || !given.startsWith(prefix)) throw unauthorized('missing or malformed signature');
  const expected = createHmac(algorithm, secret).update(body).digest(encoding);
  if (!safeEqual(given.slice(prefix.length), expected)) throw unauthorized('bad signature');
}

/** Constant-time string comparison (for signatures and secret tokens). */
export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export function unauthorized(message: string): CroupierError {
  return new CroupierError('CROUPIER_INPUT_UNAUTHORIZED', message);
}

/** Parses a webhook body checked by its signature; malformed JSON is a coded 400, not a crash. */
export function parseJson(body: unknown): unknown {
  if (!Buffer.isBuffer(body) && typeof body !== 'string') {
    if (body !== null && typeof body === 'object') return body;
    throw new CroupierError('CROUPIER_INPUT_INVALID', 'the body must be JSON');
  }
  try {
    return JSON.parse(body.toString());
  } catch {
    throw new CroupierError('CROUPIER_INPUT_INVALID', 'the body is not valid JSON');
  }
}
