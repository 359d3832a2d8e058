import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { isRetryable } from '../../../src/core/delivery.js';
import { isCroupierError } from '../../../src/core/errors.js';
import { textMessage } from '../../../src/core/message.js';
import type { CroupierHandle } from '../../../src/server/runtime.js';
import { startTestServer, tempDir } from '../../support/server.js';
import {
  ACCESS_TOKEN,
  APP_SECRET,
  buttonReply,
  FakeGraph,
  image,
  listReply,
  messages,
  PHONE_NUMBER_ID,
  PLAYER,
  post,
  statuses,
  templateButton,
  text,
  VERIFY_TOKEN,
  type GraphCall,
} from './fake-graph.js';

const ENV = { WHATSAPP_CLOUD_TOKEN: ACCESS_TOKEN, WHATSAPP_APP_SECRET: APP_SECRET, WHATSAPP_VERIFY_TOKEN: VERIFY_TOKEN };
const HOUR = 3_600_000;

let fake: FakeGraph;
let clock: ManualClock;
const running: CroupierHandle[] = [];

beforeEach(async () => {
  fake = await FakeGraph.start();
  clock = new ManualClock('2026-03-01T12:00:00Z');
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((app) => app.close()));
  await fake.close();
});

function yaml(extra: { template?: boolean; bodyLimit?: number } = {}): string {
  return [
    'server:',
    '  publicUrl: https://support.example-casino.com',
    ...(extra.bodyLimit ? [`  bodyLimitBytes: ${extra.bodyLimit}`] : []),
    'channels:',
    '  whatsapp-cloud:',
    '    enabled: true',
    `    graphUrl: ${fake.url}`,
    '    apiVersion: v21.0',
    `    phoneNumberId: '${PHONE_NUMBER_ID}'`,
    ...(extra.template ? ['    template: { name: seguimos_en_contacto, language: es }'] : []),
    '',
  ].join('\n');
}

async function start(options: { template?: boolean; bodyLimit?: number; dataDir?: string; env?: NodeJS.ProcessEnv } = {}) {
  const app = await startTestServer({
    yaml: yaml(options),
    env: options.env ?? ENV,
    clock,
    watchContent: false,
    deliveryRetries: { sleep: async () => {}, random: () => 0.5 },
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
  });
  running.push(app);
  return app;
}

let sequence = 0;
const wamid = () => `wamid.HBgLMzQ2MTIzNDU2NzgVAgASGBQzQUIx${++sequence}`;

/** Text bodies, interactive kinds and option ids of the calls from `from` on. */
function shown(calls: readonly GraphCall[]) {
  return calls.map((call) => {
    const interactive = call.body['interactive'] as
      | {
          type: string;
          body: { text: string };
          action: {
            buttons?: { reply: { id: string; title: string } }[];
            button?: string;
            sections?: { rows: { id: string; title: string }[] }[];
          };
        }
      | undefined;
    if (interactive) {
      const options =
        interactive.type === 'button'
          ? (interactive.action.buttons ?? []).map((b) => b.reply)
          : (interactive.action.sections ?? []).flatMap((s) => s.rows);
      return { type: interactive.type, text: interactive.body.text, options, listButton: interactive.action.button };
    }
    const textBody = call.body['text'] as { body: string } | undefined;
    return { type: call.body.type, text: textBody?.body ?? '', options: [] as { id: string; title: string }[] };
  });
}

async function conversationId(app: CroupierHandle, key = PLAYER): Promise<string> {
  const conversation = await app.store.conversations.findByKey('whatsapp-cloud', key);
  if (!conversation) throw new Error('no conversation');
  return conversation.id;
}

describe('webhook verification (GET /webhooks/whatsapp)', () => {
  it('echoes hub.challenge for the right verify token and refuses a wrong one', async () => {
    const app = await start();
    const good = await fetch(`${app.url}/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=1158201444`);
    expect(good.status).toBe(200);
    expect(good.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await good.text()).toBe('1158201444');

    const bad = await fetch(`${app.url}/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1158201444`);
    expect(bad.status).toBe(403);
    const badBody = await bad.text();
    expect(badBody).not.toContain('1158201444');
    expect(JSON.parse(badBody)).toMatchObject({ error: { code: 'CROUPIER_INPUT_UNAUTHORIZED' } });

    const wrongMode = await fetch(`${app.url}/webhooks/whatsapp?hub.mode=unsubscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=1`);
    expect(wrongMode.status).toBe(403);
    const missing = await fetch(`${app.url}/webhooks/whatsapp?hub.mode=subscribe`);
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ error: { code: 'CROUPIER_INPUT_INVALID' } });
    const script = await fetch(
      `${app.url}/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=${encodeURIComponent('<script>')}`,
    );
    expect(script.status).toBe(400);
  });

  it('describes the webhook URL to register and where the verify token comes from', async () => {
    const app = await start({ template: true });
    const lines = app.channels.find((c) => c.id === 'whatsapp-cloud')!.describe();
    expect(lines.join('\n')).toContain('https://support.example-casino.com/webhooks/whatsapp');
    expect(lines.join('\n')).toContain('WHATSAPP_VERIFY_TOKEN');
    expect(lines.join('\n')).toContain('seguimos_en_contacto');
    expect(lines.join('\n')).not.toContain(VERIFY_TOKEN);
    expect(lines.join('\n')).not.toContain(ACCESS_TOKEN);
  });
});

describe('refusals', () => {
  it('401 on a bad or missing signature, 400 on malformed bodies, 413 on oversized ones; nothing stored or sent', async () => {
    const app = await start({ bodyLimit: 4096 });
    const notification = messages([text(wamid(), 'hola', clock.now())]);
    const body = JSON.stringify(notification);
    const forged = await post(app.url, body, { signature: `sha256=${'0'.repeat(64)}` });
    expect(forged.status).toBe(401);
    expect(forged.json).toMatchObject({ error: { code: 'CROUPIER_INPUT_UNAUTHORIZED' } });
    const otherSecret = await post(app.url, body, { signature: (await import('./fake-graph.js')).sign(body, 'another-secret') });
    expect(otherSecret.status).toBe(401);
    const unsigned = await post(app.url, body, { signature: null });
    expect(unsigned.status).toBe(401);
    // Signed, but a byte changed after signing.
    const tampered = await post(app.url, body.replace('hola', 'HOLA'), { signature: (await import('./fake-graph.js')).sign(body) });
    expect(tampered.status).toBe(401);

    const broken = await post(app.url, '{"object": "whatsapp_business_account", "entry": [');
    expect(broken.status).toBe(400);
    expect(broken.json).toMatchObject({ error: { code: 'CROUPIER_INPUT_INVALID' } });
    const notWhatsApp = await post(app.url, { object: 'page', entry: [] });
    expect(notWhatsApp.status).toBe(400);
    const noId = messages([{ from: PLAYER, timestamp: '1772366400', type: 'text', text: { body: 'hola' } }]);
    const missingId = await post(app.url, noId);
    expect(missingId.status).toBe(400);
    expect(String((missingId.json['error'] as { message: string }).message)).toMatch(/messages\.0\.id/);

    const huge = await post(app.url, messages([text(wamid(), 'x'.repeat(5000), clock.now())]));
    expect(huge.status).toBe(413);
    expect(huge.json).toMatchObject({ error: { code: 'CROUPIER_INPUT_TOO_LARGE' } });

    expect(await app.store.conversations.findByKey('whatsapp-cloud', PLAYER)).toBeUndefined();
    expect(fake.calls).toEqual([]);
  });

  it('ignores notifications for another phone number of the business account', async () => {
    const app = await start();
    const notification = messages([text(wamid(), 'hola', clock.now())]);
    const entry = (notification['entry'] as { changes: { value: { metadata: { phone_number_id: string } } }[] }[])[0]!;
    entry.changes[0]!.value.metadata.phone_number_id = '999999999999999';
    const response = await post(app.url, notification);
    expect(response.status).toBe(200);
    await app.pipeline.drain();
    expect(await app.store.conversations.findByKey('whatsapp-cloud', PLAYER)).toBeUndefined();
    expect(fake.calls).toEqual([]);
  });

  it('answers 5xx (so Meta redelivers) when the message cannot be stored', async () => {
    const app = await start();
    await app.store.close();
    const response = await post(app.url, messages([text(wamid(), 'hola', clock.now())]));
    expect(response.status).toBeGreaterThanOrEqual(500);
    expect(fake.calls).toEqual([]);
  });
});

describe('a Spanish conversation on WhatsApp', () => {
  it('shows five options as a list, three long ones as numbered text, yes/no as reply buttons; replies come back as payloads', async () => {
    const app = await start();
    // 5 options with titles ≤ 24 characters: a list message.
    const hello = await post(app.url, messages([text(wamid(), 'buenas, alguien por ahi?', clock.now())]));
    expect(hello.status).toBe(200);
    await fake.waitForCalls(1);
    const [menu] = shown(fake.calls);
    expect(menu).toMatchObject({ type: 'list', listButton: 'Ver opciones' });
    expect(menu!.text).toContain('asistente de soporte');
    expect(menu!.options).toEqual([
      { id: 'flow:deposit_issue', title: 'Problema con un depósito' },
      { id: 'flow:withdrawal_status', title: 'Estado de mi retirada' },
      { id: 'flow:bonus_terms', title: 'Bonos' },
      { id: 'flow:login_problem', title: 'No puedo entrar' },
      { id: 'flow:talk_to_human', title: 'Hablar con una persona' },
    ]);
    const call = fake.calls[0]!;
    expect(call).toMatchObject({ version: 'v21.0', phoneNumberId: PHONE_NUMBER_ID, authorization: `Bearer ${ACCESS_TOKEN}` });
    expect(call.body).toMatchObject({ messaging_product: 'whatsapp', recipient_type: 'individual', to: PLAYER });

    // The player picks a row: its id is the flow payload.
    await post(app.url, messages([listReply(wamid(), 'flow:withdrawal_status', 'Estado de mi retirada', clock.now(), 'wamid.OUT1')]));
    await fake.waitForCalls(2);
    expect(shown(fake.calls.slice(1))[0]!.text).toMatch(/e-mail de tu cuenta/);

    // Three options, but "Un juego se colgó o se cerró" is longer than a row title: numbered text.
    await post(app.url, messages([text(wamid(), 'cancelar', clock.now())]));
    await fake.waitForCalls(3);
    // (not "la pagina no carga": a first message that names the site is answered without the question)
    await post(app.url, messages([text(wamid(), 'tengo un problema tecnico', clock.now())]));
    await fake.waitForCalls(4);
    const [numbered] = shown(fake.calls.slice(3));
    expect(numbered!.type).toBe('text');
    expect(numbered!.text).toContain('¿Dónde está el problema?');
    expect(numbered!.text).toContain('1. Un juego se colgó o se cerró\n2. La web no carga\n3. La app se cierra');

    // "2" answers the numbered menu; then yes/no as two reply buttons.
    const before = fake.calls.length;
    await post(app.url, messages([text(wamid(), '2', clock.now())]));
    await vi.waitFor(() => expect(shown(fake.calls.slice(before)).some((m) => m.type === 'button')).toBe(true));
    const afterTwo = shown(fake.calls.slice(before));
    expect(afterTwo.map((m) => m.text).join('\n')).toContain('datos móviles');
    const question = afterTwo.find((m) => m.type === 'button')!;
    expect(question.text).toBe('¿Te he resuelto la duda?');
    expect(question.options).toEqual([
      { id: 'choice:yes', title: 'Sí' },
      { id: 'choice:no', title: 'No' },
    ]);

    // The player taps "Sí": a button_reply whose id is the payload.
    const beforeYes = fake.calls.length;
    await post(app.url, messages([buttonReply(wamid(), 'choice:yes', 'Sí', clock.now(), `wamid.OUT${beforeYes}`)]));
    await fake.waitForCalls(beforeYes + 1);
    expect(shown(fake.calls.slice(beforeYes))[0]!.text).toMatch(/Me alegro de haberte ayudado/);

    await app.pipeline.drain();
    const id = await conversationId(app);
    const transcript = await app.store.transcript.list(id);
    const pressed = transcript.filter((e) => e.direction === 'in' && e.payload !== undefined).map((e) => e.payload);
    expect(pressed).toEqual(['flow:withdrawal_status', 'choice:yes']);
    // Every reply is marked sent with the wamid the Graph API returned.
    const out = transcript.filter((e) => e.direction === 'out');
    expect(out.every((e) => e.delivery === 'sent' && e.platformMessageId?.startsWith('wamid.OUT'))).toBe(true);
    const player = await app.store.players.get((await app.store.conversations.get(id))!.playerId);
    expect(player?.displayName).toBe('Lucía');
  });

  it('a template quick-reply button reaches the bot as its payload', async () => {
    const app = await start();
    await post(app.url, messages([templateButton(wamid(), 'flow:withdrawal_status', 'Estado de mi retirada', clock.now())]));
    await fake.waitForCalls(1);
    await app.pipeline.drain();
    const transcript = await app.store.transcript.list(await conversationId(app));
    expect(transcript[0]).toMatchObject({ direction: 'in', payload: 'flow:withdrawal_status', text: 'Estado de mi retirada' });
    expect(shown(fake.calls)[0]!.text).toMatch(/e-mail/);
  });

  it('an image becomes an attachment with the platform media id, and is answered', async () => {
    const app = await start();
    await post(app.url, messages([image(wamid(), clock.now(), 'mi DNI para la verificación')]));
    await fake.waitForCalls(1);
    await app.pipeline.drain();
    const [inbound] = await app.store.transcript.list(await conversationId(app));
    expect(inbound).toMatchObject({
      direction: 'in',
      text: 'mi DNI para la verificación',
      attachments: [{ kind: 'image', platformFileId: '1003383421387256', mimeType: 'image/jpeg', caption: 'mi DNI para la verificación' }],
    });
    expect(fake.calls).toHaveLength(1);
  });
});

describe('delivery', () => {
  it('records statuses as events and never answers them; a redelivered status is recorded once', async () => {
    const app = await start();
    await post(app.url, messages([text(wamid(), 'hola', clock.now())]));
    await fake.waitForCalls(1);
    const sent = [
      { id: 'wamid.OUT1', status: 'sent', at: clock.now() },
      { id: 'wamid.OUT1', status: 'delivered', at: clock.now() },
      { id: 'wamid.OUT1', status: 'read', at: clock.now() },
    ];
    expect((await post(app.url, statuses(sent))).status).toBe(200);
    expect((await post(app.url, statuses(sent.slice(2)))).status).toBe(200);
    expect((await post(app.url, statuses([{ id: 'wamid.OUT9', status: 'failed', at: clock.now(), errorCode: 131026 }]))).status).toBe(200);
    const id = await conversationId(app);
    const events = await app.store.events.list({ type: 'message.status' });
    expect(events.map((e) => [e.conversationId, e.data])).toEqual([
      [id, { channel: 'whatsapp-cloud', wamid: 'wamid.OUT1', status: 'sent' }],
      [id, { channel: 'whatsapp-cloud', wamid: 'wamid.OUT1', status: 'delivered' }],
      [id, { channel: 'whatsapp-cloud', wamid: 'wamid.OUT1', status: 'read' }],
      [id, { channel: 'whatsapp-cloud', wamid: 'wamid.OUT9', status: 'failed', errorCode: 131026, errorTitle: 'Message undeliverable' }],
    ]);
    // A later message is answered once: the statuses produced no turn and no reply.
    await post(app.url, messages([text(wamid(), 'gracias', clock.now())]));
    await app.pipeline.drain();
    expect(fake.calls).toHaveLength(2);
    const inbound = (await app.store.transcript.list(id)).filter((e) => e.direction === 'in');
    expect(inbound).toHaveLength(2);
  });

  it('a redelivered message (same wamid) is answered once; the 200 comes after the message is stored', async () => {
    const app = await start();
    const id = wamid();
    const notification = messages([text(id, 'hola', clock.now())]);
    expect((await post(app.url, notification)).status).toBe(200);
    // Claimed before the acknowledgement: a redelivery finds it.
    expect(await app.store.receipts.claim('whatsapp-cloud', id, clock.now())).toBe(false);
    expect((await post(app.url, notification)).status).toBe(200);
    expect((await post(app.url, notification)).status).toBe(200);
    await app.pipeline.drain();
    expect(fake.calls).toHaveLength(1);
    const transcript = await app.store.transcript.list(await conversationId(app));
    expect(transcript.filter((e) => e.direction === 'in')).toHaveLength(1);
  });

  it('a batch of messages from two players is acknowledged once all are accepted, and each is answered', async () => {
    const app = await start();
    const other = '5491123456789';
    const batch = messages([text(wamid(), 'hola', clock.now())]);
    const value = (batch['entry'] as { changes: { value: Record<string, unknown> }[] }[])[0]!.changes[0]!.value;
    value['contacts'] = [
      { profile: { name: 'Lucía' }, wa_id: PLAYER },
      { profile: { name: 'Martín' }, wa_id: other },
    ];
    (value['messages'] as unknown[]).push(text(wamid(), 'buenas noches', clock.now(), other));
    expect((await post(app.url, batch)).status).toBe(200);
    await app.pipeline.drain();
    expect(fake.calls.map((c) => c.body.to).sort()).toEqual([other, PLAYER].sort());
  });

  it('retries a 500 from the Graph API and sends once it succeeds', async () => {
    const app = await start();
    fake.failNext(500, { code: 1, message: 'An unknown error occurred' });
    await post(app.url, messages([text(wamid(), 'hola', clock.now())]));
    await app.pipeline.drain();
    expect(fake.calls).toHaveLength(2);
    expect(fake.calls[0]!.body).toEqual(fake.calls[1]!.body);
    const transcript = await app.store.transcript.list(await conversationId(app));
    expect(transcript.at(-1)).toMatchObject({ direction: 'out', delivery: 'sent', platformMessageId: 'wamid.OUT2' });
  });

  it('does not retry a 400 (bad parameter): the reply is marked failed with a code', async () => {
    const app = await start();
    fake.failNext(400, { code: 100, message: '(#100) Invalid parameter' });
    await post(app.url, messages([text(wamid(), 'hola', clock.now())]));
    await app.pipeline.drain();
    expect(fake.calls).toHaveLength(1);
    const id = await conversationId(app);
    expect((await app.store.transcript.list(id)).at(-1)).toMatchObject({ direction: 'out', delivery: 'failed' });
    const failed = await app.store.events.list({ type: 'message.failed' });
    expect(failed[0]?.data).toMatchObject({ channel: 'whatsapp-cloud', code: 'CROUPIER_PLATFORM_API' });
  });

  it('a multi-part reply that fails half-way resumes after the parts already sent when retried', async () => {
    const app = await start();
    await post(app.url, messages([text(wamid(), 'hola', clock.now())]));
    await fake.waitForCalls(1);
    const id = await conversationId(app);
    const adapter = app.channels.find((c) => c.id === 'whatsapp-cloud')!;
    const long = Array.from({ length: 40 }, (_, i) => `Paso ${i + 1}: revisa este punto con calma.`).join(' ');
    expect(long.length).toBeGreaterThan(1024);
    const outbound = textMessage(long, [
      { label: 'Sí', payload: 'choice:yes' },
      { label: 'No', payload: 'choice:no' },
    ]);
    const entry = await app.store.transcript.append({ conversationId: id, direction: 'out', author: 'bot', text: long, at: clock.now() });
    const target = { channel: 'whatsapp-cloud', conversationKey: PLAYER, conversationId: id };
    const before = fake.calls.length;
    fake.succeedNext();
    fake.failNext(503, { code: 2, message: 'Service temporarily unavailable' });
    const first = await adapter.send(target, outbound, entry).catch((e: unknown) => e);
    expect(isCroupierError(first) && isRetryable(first)).toBe(true);
    expect(fake.calls.slice(before).map((c) => c.body.type)).toEqual(['text', 'interactive']);
    // The retry (what the shared policy does) sends only the part that failed.
    await expect(adapter.send(target, outbound, entry)).resolves.toEqual({ platformMessageId: `wamid.OUT${before + 3}` });
    expect(fake.calls.slice(before).map((c) => c.body.type)).toEqual(['text', 'interactive', 'interactive']);
    // A new send of the same entry starts from the beginning again.
    await adapter.send(target, outbound, entry);
    expect(fake.calls.slice(before + 3).map((c) => c.body.type)).toEqual(['text', 'interactive']);
  });

  it('a reply to options sent with indexed ids reaches the flow as the original payload', async () => {
    const app = await start();
    await post(app.url, messages([text(wamid(), 'hola', clock.now())]));
    await fake.waitForCalls(1);
    const id = await conversationId(app);
    const offered = [
      { label: 'Opción larga', payload: `goto:${'x'.repeat(300)}` },
      { label: 'Hablar con una persona', payload: 'flow:talk_to_human' },
    ];
    const adapter = app.channels.find((c) => c.id === 'whatsapp-cloud')!;
    const question = textMessage('¿Qué prefieres?', offered);
    const entry = await app.store.transcript.append({
      conversationId: id,
      direction: 'out',
      author: 'bot',
      text: '¿Qué prefieres?',
      buttons: offered,
      at: clock.now(),
    });
    const target = { channel: 'whatsapp-cloud', conversationKey: PLAYER, conversationId: id };
    const receipt = (await adapter.send(target, question, entry)) as { platformMessageId: string };
    await app.store.transcript.markDelivery(entry, 'sent', receipt.platformMessageId);
    expect(shown(fake.calls.slice(-1))[0]!.options).toEqual([
      { id: 'croupier-option:1', title: 'Opción larga' },
      { id: 'croupier-option:2', title: 'Hablar con una persona' },
    ]);
    const before = fake.calls.length;
    await post(
      app.url,
      messages([buttonReply(wamid(), 'croupier-option:2', 'Hablar con una persona', clock.now(), receipt.platformMessageId)]),
    );
    await fake.waitForCalls(before + 1);
    await app.pipeline.drain();
    const pressed = (await app.store.transcript.list(id)).filter((e) => e.direction === 'in').at(-1);
    expect(pressed?.payload).toBe('flow:talk_to_human');
  });
});

describe('the 24-hour customer-service window', () => {
  it('outside the window an agent message becomes the configured template, once; the message fails with a code', async () => {
    const app = await start({ template: true });
    await post(app.url, messages([text(wamid(), 'hola', clock.now())]));
    await fake.waitForCalls(1);
    const adapter = app.channels.find((c) => c.id === 'whatsapp-cloud')!;
    const id = await conversationId(app);
    const target = { channel: 'whatsapp-cloud', conversationKey: PLAYER, conversationId: id };

    // 23 hours later: still open, free text goes out.
    clock.advance(23 * HOUR);
    await expect(adapter.send(target, textMessage('Tu retirada ya está aprobada.', undefined, 'agent'))).resolves.toEqual({
      platformMessageId: 'wamid.OUT2',
    });
    expect(fake.calls[1]!.body).toMatchObject({ type: 'text', text: { body: 'Tu retirada ya está aprobada.' } });

    // 25 hours after the player's message: the template instead, and a coded error for the agent.
    clock.advance(2 * HOUR);
    const outside = await adapter.send(target, textMessage('¿Sigues ahí?', undefined, 'agent')).catch((e: unknown) => e);
    expect(isCroupierError(outside, 'CROUPIER_PLATFORM_WINDOW_CLOSED')).toBe(true);
    expect((outside as Error).message).toMatch(/seguimos_en_contacto" was sent/);
    expect(fake.calls).toHaveLength(3);
    expect(fake.calls[2]!.body).toMatchObject({
      to: PLAYER,
      type: 'template',
      template: { name: 'seguimos_en_contacto', language: { code: 'es' } },
    });
    const sentEvents = await app.store.events.list({ type: 'message.sent', conversationId: id });
    expect(sentEvents.at(-1)?.data).toMatchObject({ template: 'seguimos_en_contacto', reason: 'outside_24h_window', wamid: 'wamid.OUT3' });

    // A second message before the player answers: no second template.
    const again = await adapter.send(target, textMessage('¿Hola?', undefined, 'agent')).catch((e: unknown) => e);
    expect(isCroupierError(again, 'CROUPIER_PLATFORM_WINDOW_CLOSED')).toBe(true);
    expect((again as Error).message).toMatch(/already sent/);
    expect(fake.calls).toHaveLength(3);

    // The player taps the template's button: the window opens again and the bot answers normally.
    await post(app.url, messages([templateButton(wamid(), 'Sí, seguimos', 'Sí, seguimos', clock.now())]));
    await fake.waitForCalls(4);
    expect(fake.calls[3]!.body.type).not.toBe('template');
    await expect(adapter.send(target, textMessage('Perfecto, te cuento.', undefined, 'agent'))).resolves.toHaveProperty(
      'platformMessageId',
    );
    expect(fake.calls.at(-1)!.body).toMatchObject({ type: 'text', text: { body: 'Perfecto, te cuento.' } });
  });

  it('without a template, a message outside the window fails with CROUPIER_PLATFORM_WINDOW_CLOSED and nothing is sent', async () => {
    const app = await start();
    await post(app.url, messages([text(wamid(), 'hola', clock.now())]));
    await fake.waitForCalls(1);
    await app.pipeline.drain();
    const adapter = app.channels.find((c) => c.id === 'whatsapp-cloud')!;
    clock.advance(24 * HOUR + 1000);
    const error = await adapter
      .send({ channel: 'whatsapp-cloud', conversationKey: PLAYER, conversationId: await conversationId(app) }, textMessage('¿Sigues ahí?'))
      .catch((e: unknown) => e);
    expect(isCroupierError(error, 'CROUPIER_PLATFORM_WINDOW_CLOSED')).toBe(true);
    expect((error as Error).message).toMatch(/channels\.whatsapp-cloud\.template/);
    expect((error as { details: Record<string, unknown> }).details).toMatchObject({ retryable: false });
    expect(fake.calls).toHaveLength(1);
  });

  it('the window survives a restart: it is read from the transcript', async () => {
    const dataDir = tempDir();
    const first = await start({ dataDir });
    await post(first.url, messages([text(wamid(), 'hola', clock.now())]));
    await fake.waitForCalls(1);
    await first.close();
    running.splice(running.indexOf(first), 1);

    clock.advance(10 * HOUR);
    const second = await start({ dataDir });
    const adapter = second.channels.find((c) => c.id === 'whatsapp-cloud')!;
    const target = { channel: 'whatsapp-cloud', conversationKey: PLAYER, conversationId: await conversationId(second) };
    await expect(adapter.send(target, textMessage('Sigo aquí.', undefined, 'agent'))).resolves.toHaveProperty('platformMessageId');
    clock.advance(15 * HOUR);
    await expect(adapter.send(target, textMessage('¿Sigues ahí?', undefined, 'agent'))).rejects.toMatchObject({
      code: 'CROUPIER_PLATFORM_WINDOW_CLOSED',
    });
    expect(fake.calls).toHaveLength(2);
  });

  it('Graph refusing with 131047 (window closed on its clock) falls back to the template, not a retry', async () => {
    const app = await start({ template: true });
    await post(app.url, messages([text(wamid(), 'hola', clock.now())]));
    await fake.waitForCalls(1);
    const adapter = app.channels.find((c) => c.id === 'whatsapp-cloud')!;
    const target = { channel: 'whatsapp-cloud', conversationKey: PLAYER, conversationId: await conversationId(app) };
    fake.failNext(400, {
      code: 131047,
      message: 'Re-engagement message',
      details: 'Message failed to send because more than 24 hours have passed since the customer last replied to this number.',
    });
    await expect(adapter.send(target, textMessage('¿Sigues ahí?', undefined, 'agent'))).rejects.toMatchObject({
      code: 'CROUPIER_PLATFORM_WINDOW_CLOSED',
    });
    expect(fake.calls.map((c) => c.body.type)).toEqual(['interactive', 'text', 'template']);
  });

  it('a failed status with 131047 is recorded and sends the template once, even when redelivered', async () => {
    const app = await start({ template: true });
    await post(app.url, messages([text(wamid(), 'hola', clock.now())]));
    await fake.waitForCalls(1);
    const failed = statuses([{ id: 'wamid.OUT1', status: 'failed', at: clock.now(), errorCode: 131047 }]);
    expect((await post(app.url, failed)).status).toBe(200);
    await fake.waitForCalls(2);
    expect((await post(app.url, failed)).status).toBe(200);
    await app.pipeline.drain();
    await app.close();
    running.splice(running.indexOf(app), 1);
    expect(fake.calls.map((c) => c.body.type)).toEqual(['interactive', 'template']);
  });
});

describe('configuration', () => {
  it('refuses to start when enabled without its environment variables, naming each', async () => {
    const error = await start({ env: { WHATSAPP_APP_SECRET: APP_SECRET } }).catch((e: unknown) => e);
    expect(isCroupierError(error, 'CROUPIER_CONFIG_INVALID')).toBe(true);
    expect((error as Error).message).toContain('WHATSAPP_CLOUD_TOKEN');
    expect((error as Error).message).toContain('WHATSAPP_VERIFY_TOKEN');
    expect((error as Error).message).not.toContain(APP_SECRET);
  });

  it('refuses to start without a phone number id', async () => {
    const error = await startTestServer({
      yaml: `channels:\n  whatsapp-cloud:\n    enabled: true\n    graphUrl: ${fake.url}\n`,
      env: ENV,
      watchContent: false,
    }).catch((e: unknown) => e);
    expect(isCroupierError(error, 'CROUPIER_CONFIG_INVALID')).toBe(true);
    expect((error as Error).message).toContain('channels.whatsapp-cloud.phoneNumberId');
  });
});
