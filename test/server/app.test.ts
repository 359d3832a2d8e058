import { afterEach, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { buildServer } from '../../src/server/app.js';
import type { CroupierHandle } from '../../src/server/runtime.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { captureLog } from '../support/pipeline-harness.js';
import { postJson, startTestServer, tempDir } from '../support/server.js';

const running: CroupierHandle[] = [];
async function start(...args: Parameters<typeof startTestServer>) {
  const app = await startTestServer(...args);
  running.push(app);
  return app;
}
afterEach(async () => {
  await Promise.all(running.splice(0).map((app) => app.close()));
});

describe('server probes', () => {
  it('reports alive and ready, and not ready once the store is gone', async () => {
    const app = await start();
    expect(await (await fetch(`${app.url}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${app.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ checks: { store: 'ok', content: 'ok' } });
    await app.store.close();
    const notReady = await fetch(`${app.url}/readyz`);
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toMatchObject({ checks: { store: 'unreachable' } });
  });

  it('answers unknown routes with a coded 404 and never a stack trace', async () => {
    const app = await start();
    const response = await fetch(`${app.url}/nope`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: { code: 'CROUPIER_INPUT_NOT_FOUND', message: 'no route for GET /nope' } });
  });

  it('logs the path of a request without its query string, so a token in a mistyped URL stays out of the log', async () => {
    const { log, lines } = captureLog();
    const store = openSqliteStore({ file: ':memory:' });
    const server = await buildServer({ config: configSchema.parse({}), log, store, channels: [], contentReady: () => true });
    const response = await server.inject({ method: 'GET', url: '/api/agent/socket/?token=secret-session-token' });
    expect(response.statusCode).toBe(404);
    await server.close();
    await store.close();
    expect(lines.find((line) => line['msg'] === 'request')).toMatchObject({ url: '/api/agent/socket/', status: 404 });
    expect(JSON.stringify(lines)).not.toContain('secret-session-token');
  });
});

describe('POST /web/messages', () => {
  it('starts a conversation, answers in the hinted language, and continues it', async () => {
    const app = await start();
    const first = await postJson(`${app.url}/web/messages`, { text: 'hola', locale: 'es-ES' });
    expect(first.status).toBe(200);
    const conversationId = first.json['conversationId'] as string;
    const replies = first.json['replies'] as { text: string; buttons: { payload: string }[] }[];
    expect(replies).toHaveLength(1);
    expect(replies[0]!.text).toMatch(/Hola/);
    expect(replies[0]!.buttons.map((b) => b.payload)).toContain('flow:withdrawal_status');
    const second = await postJson(`${app.url}/web/messages`, {
      conversationId,
      payload: 'flow:withdrawal_status',
      text: 'Estado de mi retirada',
    });
    expect(second.json['conversationId']).toBe(conversationId);
    const withdrawalText = (second.json['replies'] as { text: string }[])[0]!.text;
    // the withdrawal flow first asks a verified player's e-mail, in Spanish
    expect(withdrawalText).toMatch(/e-mail de tu cuenta/);
  });

  it('refuses bad input with codes: no text, bad JSON, forged conversation id, oversized body', async () => {
    const app = await start({ yaml: 'server:\n  bodyLimitBytes: 2048\n' });
    const empty = await postJson(`${app.url}/web/messages`, { locale: 'en' });
    expect(empty.status).toBe(400);
    expect((empty.json['error'] as { code: string }).code).toBe('CROUPIER_INPUT_INVALID');
    const broken = await postJson(`${app.url}/web/messages`, '{"text": ');
    expect(broken.status).toBe(400);
    const unknownField = await postJson(`${app.url}/web/messages`, { text: 'hi', admin: true });
    expect(unknownField.status).toBe(400);
    const forged = await postJson(`${app.url}/web/messages`, { conversationId: 'abcdefghijklmnop.qrstuvwxyz', text: 'hi' });
    expect(forged.status).toBe(404);
    expect((forged.json['error'] as { code: string }).code).toBe('CROUPIER_INPUT_NOT_FOUND');
    const huge = await postJson(`${app.url}/web/messages`, { text: 'x'.repeat(5000) });
    expect(huge.status).toBe(413);
    expect((huge.json['error'] as { code: string }).code).toBe('CROUPIER_INPUT_TOO_LARGE');
  });

  it('deduplicates a client retry by clientMessageId', async () => {
    const app = await start();
    const first = await postJson(`${app.url}/web/messages`, { text: 'hello', clientMessageId: 'retry-1' });
    const conversationId = first.json['conversationId'] as string;
    const retry = await postJson(`${app.url}/web/messages`, { conversationId, text: 'hello', clientMessageId: 'retry-1' });
    expect(retry.json['duplicate']).toBe(true);
    expect(retry.json['replies']).toEqual([]);
  });
});

describe('persistence', () => {
  it('finds the transcript after the server stops and starts again on the same data directory', async () => {
    const dataDir = tempDir();
    const first = await startTestServer({ dataDir });
    const opened = await postJson(`${first.url}/web/messages`, { text: 'hello' });
    const conversationId = opened.json['conversationId'] as string;
    await first.close();

    const second = await start({ dataDir });
    const next = await postJson(`${second.url}/web/messages`, { conversationId, text: 'still there?' });
    expect(next.status).toBe(200);
    const conversation = await second.store.conversations.findByKey('web', conversationId);
    const transcript = await second.store.transcript.list(conversation!.id);
    expect(transcript.map((e) => e.text)).toEqual(['hello', expect.any(String), 'still there?', expect.any(String)]);
    expect((await second.store.events.list({ type: 'message.received' })).length).toBe(2);
  });
});
