import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { signPlayerToken } from '../../../src/core/player-token.js';
import type { CroupierHandle } from '../../../src/server/runtime.js';
import { startTestServer } from '../../support/server.js';

type Frame = Record<string, unknown> & { type: string };

/** A tiny protocol client: collects frames and waits for the next one matching a predicate. */
class Client {
  readonly frames: Frame[] = [];
  readonly #waiters: { match: (f: Frame) => boolean; resolve: (f: Frame) => void }[] = [];
  #seen = 0;
  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data: Buffer) => {
      const frame = JSON.parse(data.toString('utf8')) as Frame;
      this.frames.push(frame);
      for (const waiter of [...this.#waiters]) {
        if (waiter.match(frame)) {
          this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
          waiter.resolve(frame);
        }
      }
    });
  }
  static async open(url: string): Promise<Client> {
    const socket = new WebSocket(`${url.replace('http', 'ws')}/web/socket`);
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    return new Client(socket);
  }
  send(frame: unknown): void {
    this.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }
  /** The next frame (not yet consumed by an earlier `next`) of this type. */
  next(type: string, where: (f: Frame) => boolean = () => true): Promise<Frame> {
    const index = this.frames.findIndex((f, i) => i >= this.#seen && f.type === type && where(f));
    if (index >= 0) {
      this.#seen = index + 1;
      return Promise.resolve(this.frames[index]!);
    }
    return new Promise((resolve) =>
      this.#waiters.push({
        match: (f) => f.type === type && where(f),
        resolve: (f) => {
          this.#seen = this.frames.indexOf(f) + 1;
          resolve(f);
        },
      }),
    );
  }
  close(): void {
    this.socket.close();
  }
}

const running: CroupierHandle[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((app) => app.close()));
});
async function start(env: NodeJS.ProcessEnv = {}) {
  const app = await startTestServer({ env });
  running.push(app);
  return app;
}

describe('web socket channel', () => {
  it('greets, answers with quick replies, acks, and restores the history on reconnect', async () => {
    const app = await start();
    const client = await Client.open(app.url);
    client.send({ type: 'hello', locale: 'en-GB' });
    const ready = await client.next('ready');
    expect(ready['history']).toEqual([]);
    const conversationId = ready['conversationId'] as string;

    client.send({ type: 'message', clientMessageId: 'c1', text: 'hello' });
    const reply = await client.next('message');
    expect(reply['message']).toMatchObject({ direction: 'out', author: 'bot' });
    expect(((reply['message'] as { buttons: unknown[] }).buttons ?? []).length).toBeGreaterThan(0);
    await client.next('ack', (f) => f['clientMessageId'] === 'c1');
    expect(client.frames.some((f) => f.type === 'typing' && f['on'] === true)).toBe(true);
    client.close();

    const again = await Client.open(app.url);
    again.send({ type: 'hello', conversationId, locale: 'en-GB' });
    const restored = await again.next('ready');
    expect(restored['conversationId']).toBe(conversationId);
    const history = restored['history'] as { author: string; text: string; clientMessageId?: string }[];
    expect(history.map((m) => m.author)).toEqual(['player', 'bot']);
    expect(history[0]).toMatchObject({ text: 'hello', clientMessageId: 'c1' });
    again.close();
  });

  it('delivers replies to every open tab of the conversation and ignores a resent message', async () => {
    const app = await start();
    const tab1 = await Client.open(app.url);
    tab1.send({ type: 'hello' });
    const { conversationId } = (await tab1.next('ready')) as Frame & { conversationId: string };
    const tab2 = await Client.open(app.url);
    tab2.send({ type: 'hello', conversationId });
    await tab2.next('ready');

    tab1.send({ type: 'message', clientMessageId: 'same', text: 'hi' });
    await tab1.next('ack');
    const echoed = await tab2.next('message');
    expect(echoed['message']).toMatchObject({ direction: 'in', author: 'player', text: 'hi', clientMessageId: 'same' });
    expect((await tab2.next('message'))['message']).toMatchObject({ direction: 'out', author: 'bot' });
    tab1.send({ type: 'message', clientMessageId: 'same', text: 'hi' });
    await tab1.next('ack');
    expect(tab1.frames.filter((f) => f.type === 'message')).toHaveLength(1);
    tab1.close();
    tab2.close();
  });

  it('answers malformed frames and messages before hello with a coded error, and keeps the socket open', async () => {
    const app = await start();
    const client = await Client.open(app.url);
    client.send('not json');
    expect(await client.next('error')).toMatchObject({ code: 'CROUPIER_INPUT_INVALID' });
    client.send({ type: 'message', clientMessageId: 'x', text: 'hi' });
    expect(await client.next('error')).toMatchObject({ code: 'CROUPIER_INPUT_INVALID' });
    client.send({ type: 'message', clientMessageId: 'x' });
    expect(await client.next('error')).toMatchObject({ code: 'CROUPIER_INPUT_INVALID', clientMessageId: 'x' });
    client.send({ type: 'hello', conversationId: 'forged-id-that-is-long.enough' });
    const ready = await client.next('ready');
    expect(ready['conversationId']).not.toBe('forged-id-that-is-long.enough');
    client.close();
  });

  it('links a web visitor to the casino account named by a signed player token', async () => {
    const secret = 'test-secret-please-change';
    const app = await start({ CROUPIER_PLAYER_TOKEN_SECRET: secret });
    const token = signPlayerToken({ sub: 'P-1001', exp: Math.floor(Date.now() / 1000) + 600, name: 'Ana' }, secret);
    const client = await Client.open(app.url);
    client.send({ type: 'hello', playerToken: token });
    const { conversationId } = (await client.next('ready')) as Frame & { conversationId: string };
    const player = await app.store.players.findByCasinoId('P-1001');
    expect(player?.verifiedAt).toBeInstanceOf(Date);
    expect(await app.store.players.accounts(player!.id)).toEqual([{ channel: 'web', userId: conversationId }]);

    const forged = await Client.open(app.url);
    forged.send({ type: 'hello', playerToken: `${token}x` });
    expect(await forged.next('error')).toMatchObject({ code: 'CROUPIER_TOKEN_INVALID' });
    await forged.next('ready');
    client.close();
    forged.close();
  });
});
