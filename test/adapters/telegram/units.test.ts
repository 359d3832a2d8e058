import { HttpError, GrammyError } from 'grammy';
import { describe, expect, it } from 'vitest';
import { readUpdate, START_PAYLOAD, updateShape } from '../../../adapters/telegram/inbound.js';
import { callbackData, inlineKeyboard, redact, toPlatformError, telegramCapabilities } from '../../../adapters/telegram/outbound.js';
import { readStartToken, signStartToken, START_PARAMETER_MAX } from '../../../adapters/telegram/start-token.js';
import { SendThrottle, TELEGRAM_LIMITS } from '../../../adapters/telegram/throttle.js';
import { ManualClock } from '../../../src/core/clock.js';
import { isRetryable } from '../../../src/core/delivery.js';
import { signPlayerToken } from '../../../src/core/player-token.js';
import { textMessage as text } from '../../../src/core/message.js';
import { render } from '../../../src/core/render.js';
import { BOT_TOKEN, CHAT_ID, PLAYER_TOKEN_SECRET, recorded } from './support.js';

const NOW = new Date('2026-01-01T00:00:00Z');
const read = (name: string, edit?: Parameters<typeof recorded>[1]) => readUpdate(updateShape.parse(recorded(name, edit)), NOW);

describe('telegram updates → Inbound', () => {
  it('reads a text message: ids, sender, locale, date', () => {
    const { inbound } = read('text');
    expect(inbound).toMatchObject({
      platformMessageId: `${CHAT_ID}:101`,
      channel: 'telegram',
      conversationKey: String(CHAT_ID),
      sender: { channel: 'telegram', userId: String(CHAT_ID), displayName: 'Ana García', localeHint: 'en' },
      text: 'hello',
      attachments: [],
    });
    expect(inbound?.receivedAt.toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(inbound?.payload).toBeUndefined();
  });

  it('maps a callback query to its payload, with the pressed label as text, and asks for an answer', () => {
    const result = read('callback-query');
    expect(result.callbackQueryId).toBe('1773467382914820317');
    expect(result.inbound).toMatchObject({
      platformMessageId: 'callback:1773467382914820317',
      conversationKey: String(CHAT_ID),
      payload: 'flow:withdrawal_status',
      text: 'Withdrawals',
      receivedAt: NOW,
    });
  });

  it('turns /start into the greeting payload and hands the deep-link parameter over', () => {
    const withParameter = read('start-payload');
    expect(withParameter.inbound).toMatchObject({ text: '/start ref_spring_promo', payload: START_PAYLOAD });
    expect(withParameter.startParameter).toBe('ref_spring_promo');
    const bare = read('start-payload', (u) => (u.message.text = '/start@RoyalAceSupportBot'));
    expect(bare.inbound).toMatchObject({ text: '/start', payload: START_PAYLOAD });
    expect(bare.startParameter).toBeUndefined();
    // Not a /start: "/starter" is text.
    expect(read('start-payload', (u) => (u.message.text = '/starters please')).inbound?.payload).toBeUndefined();
  });

  it('reads photos (largest size, caption as text) and documents as attachments', () => {
    const photo = read('photo').inbound;
    expect(photo?.text).toBe('screenshot of my deposit');
    expect(photo?.attachments).toEqual([
      { kind: 'image', platformFileId: 'AgACAgQAAxkBAAIBY2Wlarge', caption: 'screenshot of my deposit' },
    ]);
    const document = read('document').inbound;
    expect(document?.text).toBeUndefined();
    expect(document?.attachments).toEqual([
      { kind: 'document', platformFileId: 'BQACAgQAAxkBAAIBZGWdoc', mimeType: 'application/pdf', fileName: 'bank-statement.pdf' },
    ]);
    expect(read('sticker').inbound?.attachments).toEqual([
      { kind: 'sticker', platformFileId: 'CAACAgIAAxkBAAIBZWWsticker', caption: '👍' },
    ]);
  });

  it('ignores edited messages, other update kinds, groups, bots and service messages', () => {
    expect(read('edited-message')).toEqual({ ignored: 'unsupported update (edited_message)' });
    expect(read('my-chat-member').inbound).toBeUndefined();
    expect(read('group-message').ignored).toMatch(/supergroup chat/);
    expect(read('text', (u) => ((u.message.from as { is_bot?: boolean }).is_bot = true)).inbound).toBeUndefined();
    expect(read('text', (u) => delete u.message.text).ignored).toMatch(/service message/);
    // Unreadable shapes are ignored, not thrown.
    expect(read('text', (u) => ((u.message as unknown as { chat: unknown }).chat = 'x')).ignored).toMatch(/cannot read/);
    // A callback query in a group is still answered.
    const group = readUpdate(
      updateShape.parse(
        recorded('callback-query', (u) => ((u.callback_query.message as unknown as { chat: unknown }).chat = { id: -5, type: 'group' })),
      ),
      NOW,
    );
    expect(group).toMatchObject({ callbackQueryId: '1773467382914820317' });
    expect(group.inbound).toBeUndefined();
  });

  it('refuses bodies that are not updates', () => {
    expect(updateShape.safeParse({ message: {} }).success).toBe(false);
    expect(updateShape.safeParse({ update_id: 'x' }).success).toBe(false);
    expect(updateShape.safeParse([]).success).toBe(false);
  });
});

describe('telegram rendering', () => {
  it('declares sane capabilities and renders buttons as a one-per-row inline keyboard', () => {
    expect(telegramCapabilities).toMatchObject({ buttons: { max: 8 }, textMax: 4096 });
    const buttons = [
      { label: 'Deposits', payload: 'flow:deposit_issue' },
      { label: 'Withdrawals', payload: 'flow:withdrawal_status' },
    ];
    const [piece] = render(text('Pick one', buttons) as Extract<ReturnType<typeof text>, { kind: 'text' }>, telegramCapabilities);
    expect(piece?.options?.style).toBe('buttons');
    expect(inlineKeyboard(buttons)).toEqual({
      inline_keyboard: [
        [{ text: 'Deposits', callback_data: 'flow:deposit_issue' }],
        [{ text: 'Withdrawals', callback_data: 'flow:withdrawal_status' }],
      ],
    });
  });

  it('keeps callback_data within 64 bytes: long or ~-prefixed payloads become a stable hash', () => {
    expect(callbackData('flow:deposit_issue')).toBe('flow:deposit_issue');
    const long = `goto:${'é'.repeat(40)}`;
    expect(Buffer.byteLength(long)).toBeGreaterThan(64);
    const hashed = callbackData(long);
    expect(hashed).toMatch(/^~[A-Za-z0-9_-]{22}$/);
    expect(callbackData(long)).toBe(hashed);
    expect(callbackData('~x')).toMatch(/^~[A-Za-z0-9_-]{22}$/);
    expect(callbackData('')).toMatch(/^~/);
  });
});

describe('telegram errors', () => {
  it('turns 429 into a retryable platform error with retryAfterMs, 403 into a permanent one', () => {
    const limited = toPlatformError(
      new GrammyError(
        "Call to 'sendMessage' failed!",
        { ok: false, error_code: 429, description: 'Too Many Requests: retry after 7', parameters: { retry_after: 7 } },
        'sendMessage',
        {},
      ),
      'sendMessage',
      BOT_TOKEN,
    );
    expect(limited.code).toBe('CROUPIER_PLATFORM_API');
    expect(limited.details).toMatchObject({ channel: 'telegram', status: 429, retryable: true, retryAfterMs: 7000 });
    const blocked = toPlatformError(
      new GrammyError(
        "Call to 'sendMessage' failed!",
        { ok: false, error_code: 403, description: 'Forbidden: bot was blocked by the user', parameters: {} },
        'sendMessage',
        {},
      ),
      'sendMessage',
      BOT_TOKEN,
    );
    expect(isRetryable(blocked)).toBe(false);
    const server = toPlatformError(
      new GrammyError('x', { ok: false, error_code: 502, description: 'Bad Gateway', parameters: {} }, 'sendMessage', {}),
      'sendMessage',
      BOT_TOKEN,
    );
    expect(isRetryable(server)).toBe(true);
  });

  it('never carries the bot token out of a network error', () => {
    const fetchError = new Error(`request to https://api.telegram.org/bot${BOT_TOKEN}/sendMessage failed, reason: connect ECONNREFUSED`);
    const error = toPlatformError(new HttpError("Network request for 'sendMessage' failed!", fetchError), 'sendMessage', BOT_TOKEN);
    expect(error.code).toBe('CROUPIER_NETWORK');
    expect(isRetryable(error)).toBe(true);
    expect(error.message).toContain('ECONNREFUSED');
    expect(JSON.stringify({ message: error.message, details: error.details, cause: String(error.cause) })).not.toContain(BOT_TOKEN);
    expect(error.cause).toBeUndefined();
    expect(redact('x /bot987:other-Token_1/getMe y', BOT_TOKEN)).toBe('x /bot[token]/getMe y');
  });
});

describe('telegram /start player tokens', () => {
  const exp = Math.floor(NOW.getTime() / 1000) + 600;

  it('signs a compact token that fits a deep link and verifies it', () => {
    const token = signStartToken({ sub: 'P-1001', exp }, PLAYER_TOKEN_SECRET);
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(token.length).toBeLessThanOrEqual(START_PARAMETER_MAX);
    expect(signStartToken({ sub: 'x'.repeat(32), exp }, PLAYER_TOKEN_SECRET).length).toBe(START_PARAMETER_MAX);
    expect(() => signStartToken({ sub: 'x'.repeat(33), exp }, PLAYER_TOKEN_SECRET)).toThrow(RangeError);
    expect(readStartToken(token, PLAYER_TOKEN_SECRET, NOW)).toEqual({ kind: 'player', claims: { sub: 'P-1001', exp } });
  });

  it('refuses expired tokens and treats tampered or unsigned parameters as ordinary deep links', () => {
    const token = signStartToken({ sub: 'P-1001', exp }, PLAYER_TOKEN_SECRET);
    const later = new Date(NOW.getTime() + 601_000);
    const expired = readStartToken(token, PLAYER_TOKEN_SECRET, later);
    expect(expired.kind).toBe('refused');
    const flipped = `${token.slice(0, -2)}${token.endsWith('AA') ? 'AB' : 'AA'}`;
    expect(readStartToken(flipped, PLAYER_TOKEN_SECRET, NOW)).toEqual({ kind: 'other' });
    expect(readStartToken(token, 'another-secret', NOW)).toEqual({ kind: 'other' });
    expect(readStartToken('ref_spring_promo', PLAYER_TOKEN_SECRET, NOW)).toEqual({ kind: 'other' });
    expect(readStartToken(token, undefined, NOW)).toEqual({ kind: 'other' });
  });

  it('accepts the standard player token too, and refuses it when tokens are disabled', () => {
    const standard = signPlayerToken({ sub: 'P-1002', exp, name: 'Ana' }, PLAYER_TOKEN_SECRET);
    expect(readStartToken(standard, PLAYER_TOKEN_SECRET, NOW)).toEqual({ kind: 'player', claims: { sub: 'P-1002', exp, name: 'Ana' } });
    const disabled = readStartToken(standard, undefined, NOW);
    expect(disabled.kind === 'refused' && disabled.error.code).toBe('CROUPIER_TOKEN_INVALID');
    const forged = readStartToken(signPlayerToken({ sub: 'P-1002', exp }, 'wrong'), PLAYER_TOKEN_SECRET, NOW);
    expect(forged.kind).toBe('refused');
  });
});

describe('telegram send throttle', () => {
  function throttle() {
    const clock = new ManualClock('2026-01-01T00:00:00Z');
    const slept: number[] = [];
    const sleep = async (ms: number) => {
      slept.push(Math.round(ms));
      clock.advance(ms);
    };
    const limiter = new SendThrottle({ ...TELEGRAM_LIMITS, clock, sleep });
    return { clock, slept, limiter };
  }

  it('lets a short burst into one chat go at once, then one message a second', async () => {
    const { clock, slept, limiter } = throttle();
    for (let i = 0; i < 5; i++) await limiter.wait('1');
    expect(slept).toEqual([1000, 1000]);
    // Another chat is not held up by that one.
    await limiter.wait('2');
    expect(slept).toHaveLength(2);
    // After a quiet spell the burst is back.
    clock.advance(10_000);
    for (let i = 0; i < 3; i++) await limiter.wait('1');
    expect(slept).toHaveLength(2);
  });

  it('holds the whole bot to 30 messages a second across chats', async () => {
    const { clock, slept, limiter } = throttle();
    for (let i = 0; i < 30; i++) await limiter.wait(`chat-${i}`);
    expect(slept).toEqual([]);
    await limiter.wait('chat-30');
    expect(slept).toEqual([33]);
    clock.advance(1000);
    await limiter.wait('chat-31');
    expect(slept).toEqual([33]);
  });

  it('a chat waiting for its own slot does not hold up other chats', async () => {
    const clock = new ManualClock('2026-01-01T00:00:00Z');
    const pending: (() => void)[] = [];
    const limiter = new SendThrottle({ ...TELEGRAM_LIMITS, clock, sleep: () => new Promise<void>((resolve) => pending.push(resolve)) });
    for (let i = 0; i < 3; i++) await limiter.wait('busy');
    const fourth = limiter.wait('busy');
    expect(pending).toHaveLength(1);
    await limiter.wait('other');
    expect(pending).toHaveLength(1);
    pending[0]?.();
    await fourth;
  });
});
