import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ViberApi } from '../../../adapters/viber/api.js';
import { isRetryable } from '../../../src/core/delivery.js';
import { CroupierError } from '../../../src/core/errors.js';
import { FakeViber } from './fake-viber.js';

const TOKEN = '0123456789abcdef-0123456789abcdef-0123456789abcdef';
let fake: FakeViber;
let api: ViberApi;

beforeAll(async () => {
  fake = await FakeViber.start(TOKEN);
  api = new ViberApi({ apiUrl: `${fake.url}/`, token: TOKEN });
});
afterAll(async () => {
  await fake?.close();
});

async function failure(task: Promise<unknown>): Promise<CroupierError> {
  const error = await task.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(CroupierError);
  expect((error as Error).message).not.toContain(TOKEN);
  return error as CroupierError;
}

describe('Viber API client', () => {
  it('sends with X-Viber-Auth-Token and returns the exact 64-bit message_token', async () => {
    const token = await api.sendMessage({ receiver: 'u=', type: 'text', text: 'hi' });
    expect(token).toBe(fake.sent().at(-1)?.messageToken);
    expect(BigInt(token!)).toBeGreaterThan(2n ** 53n);
    expect(fake.calls.at(-1)?.token).toBe(TOKEN);
  });

  it('maps Viber statuses on HTTP 200 to platform errors the shared policy retries only when sensible', async () => {
    const cases: [number, boolean, string][] = [
      [12, true, 'status 12 tooManyRequests'],
      [6, false, 'status 6 receiverNotSubscribed'],
      [2, false, 'status 2 invalidAuthToken'],
      [3, false, 'status 3 badData'],
      [99, true, 'status 99 generalError'],
    ];
    for (const [status, retryable, message] of cases) {
      fake.answerNext({ viberStatus: status, message: 'details' });
      const error = await failure(api.sendMessage({ receiver: 'u=', type: 'text', text: 'hi' }));
      expect(error.code).toBe('CROUPIER_PLATFORM_API');
      expect(error.message).toContain(message);
      expect(isRetryable(error)).toBe(retryable);
    }
  });

  it('passes HTTP failures and Retry-After on, and calls an unreachable API a network error', async () => {
    fake.answerNext({ httpStatus: 503, retryAfter: 2 });
    const unavailable = await failure(api.sendMessage({ receiver: 'u=', type: 'text', text: 'hi' }));
    expect(unavailable.details).toMatchObject({ status: 503, retryable: true, retryAfterMs: 2000 });
    fake.answerNext({ httpStatus: 400 });
    expect(isRetryable(await failure(api.sendMessage({ receiver: 'u=', type: 'text', text: 'hi' })))).toBe(false);

    const down = await failure(new ViberApi({ apiUrl: 'http://127.0.0.1:9/pa', token: TOKEN }).sendMessage({ receiver: 'u=' }));
    expect(down.code).toBe('CROUPIER_NETWORK');
    expect(isRetryable(down)).toBe(true);
  });

  it('a wrong token is refused by Viber with status 2 and is not retried', async () => {
    const wrong = new ViberApi({ apiUrl: fake.url, token: 'wrong-token' });
    const error = await failure(wrong.sendMessage({ receiver: 'u=', type: 'text', text: 'hi' }));
    expect(error.message).toContain('invalidAuthToken');
    expect(error.message).not.toContain('wrong-token');
    expect(isRetryable(error)).toBe(false);
  });
});
