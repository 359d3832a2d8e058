import { EventEmitter } from 'node:events';
import wweb from 'whatsapp-web.js';
import type WAWebJS from 'whatsapp-web.js';
import type { WhatsappClient } from '../../../adapters/whatsapp-web/client.js';

/** The library's real Message class (its typings declare Message as an interface only). */
const LibraryMessage = (wweb as unknown as { Message: new (client: unknown, data: Record<string, unknown>) => WAWebJS.Message }).Message;

/** Our own account, as WhatsApp Web's `to` of an incoming message shows it. */
export const ME = '34911000000@c.us';
export const PLAYER = '34600111222@c.us';

/** A JPEG thumbnail as WhatsApp Web puts it in the `body` of media and location messages. */
const THUMBNAIL = '/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAYEBQYFBAYGBQYHBwYICh==';

let counter = 0;

/**
 * A message as `window.WWebJS.getMessageModel` serialises it (whatsapp-web.js 1.34,
 * src/util/Injected/Utils.js): WhatsApp Web's Msg model with `id.remote` flattened to a string.
 */
export function messageData(overrides: Record<string, unknown> & { from?: string; fromMe?: boolean } = {}): Record<string, unknown> {
  counter += 1;
  const { fromMe = false, from = PLAYER, ...rest } = overrides;
  const key = `3EB0${String(counter).padStart(16, '0')}`;
  const remote = fromMe ? (typeof rest['to'] === 'string' ? rest['to'] : PLAYER) : from;
  return {
    id: { fromMe, remote, id: key, _serialized: `${fromMe}_${remote}_${key}` },
    viewed: false,
    body: 'hello',
    type: 'chat',
    t: 1_772_366_400 + counter,
    notifyName: 'Ana',
    from: fromMe ? ME : from,
    to: fromMe ? remote : ME,
    ack: 1,
    isNewMsg: true,
    star: false,
    broadcast: false,
    isForwarded: false,
    forwardingScore: 0,
    hasReaction: false,
    mentionedJidList: [],
    groupMentions: [],
    isEphemeral: false,
    isStatusV3: false,
    links: [],
    ...rest,
  };
}

/** An image as WhatsApp Web has it: downloadable (`directPath`), a thumbnail in `body`, the words in `caption`. */
export function imageData(caption?: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return messageData({
    type: 'image',
    body: THUMBNAIL,
    ...(caption === undefined ? {} : { caption }),
    mimetype: 'image/jpeg',
    size: 48_213,
    filehash: 'x7JSmVvLwqz3gDkm8wl8jq7KOyQ0Vv1iGfyfpDMr0mU=',
    encFilehash: 'o9a0XQ8tH1ZpkVb9lTx0zQ2Q0hI9k2fI1O4tFqj5bS8=',
    mediaKey: 'Fqh0b3r2oF1mG8r0u8x8QyJk0i3O2r4Y7xk0N1Vw2Ww=',
    mediaKeyTimestamp: 1_772_366_000,
    directPath: '/v/t62.7118-24/123_456_789.enc?ccb=11-4&oh=01_Q5Aa&oe=68A1B2C3&_nc_sid=5e03e0',
    width: 1080,
    height: 720,
    ...overrides,
  });
}

/** A shared location: coordinates in lat/lng, "name\naddress" in `loc`, a map thumbnail in `body`. */
export function locationData(): Record<string, unknown> {
  return messageData({
    type: 'location',
    body: THUMBNAIL,
    lat: 40.4168,
    lng: -3.7038,
    loc: 'Royal Ace Lounge\nCalle Mayor 1, Madrid',
    clientUrl: 'https://maps.example/royal-ace',
  });
}

export interface SentMessage {
  readonly chatId: string;
  readonly content: string | WAWebJS.MessageMedia;
  readonly options: WAWebJS.MessageSendOptions | undefined;
}

/**
 * Stands in for whatsapp-web.js's Client: an EventEmitter with initialize/destroy/sendMessage that
 * emits the library's real `Message` objects. No browser, no network.
 */
export class FakeWhatsappClient extends EventEmitter implements WhatsappClient {
  readonly sent: SentMessage[] = [];
  initializeCalls = 0;
  destroyCalls = 0;
  /** What `initialize()` does; default: resolves at once (the real one resolves once the page is injected). */
  initializeImpl: () => Promise<void> = async () => {};
  /** Queued failures for the next `sendMessage` calls (an Error to throw, or `null` for "no such chat"). */
  readonly sendFailures: (Error | string | null)[] = [];
  readonly #initWaiters: { count: number; resolve: () => void }[] = [];

  async initialize(): Promise<void> {
    this.initializeCalls += 1;
    for (const waiter of [...this.#initWaiters]) {
      if (this.initializeCalls >= waiter.count) {
        this.#initWaiters.splice(this.#initWaiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
    return this.initializeImpl();
  }

  async destroy(): Promise<void> {
    this.destroyCalls += 1;
  }

  /** Resolves once `initialize()` has been called `count` times. */
  initialized(count: number): Promise<void> {
    if (this.initializeCalls >= count) return Promise.resolve();
    return new Promise((resolve) => this.#initWaiters.push({ count, resolve }));
  }

  async sendMessage(
    chatId: string,
    content: string | WAWebJS.MessageMedia,
    options?: WAWebJS.MessageSendOptions,
  ): Promise<WAWebJS.Message | undefined> {
    if (this.sendFailures.length > 0) {
      const failure = this.sendFailures.shift();
      if (failure === null) return undefined;
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- the library throws plain strings too
      throw failure;
    }
    this.sent.push({ chatId, content, options });
    const data = messageData({
      fromMe: true,
      to: chatId,
      body: typeof content === 'string' ? content : (options?.caption ?? ''),
      type: typeof content === 'string' ? 'chat' : 'image',
      ack: 0,
    });
    return new LibraryMessage(this, data);
  }

  /** Emits an incoming message the way the library does: `new Message(client, model)`. */
  receive(data: Record<string, unknown>): WAWebJS.Message {
    const message = new LibraryMessage(this, data);
    this.emit('message', message);
    return message;
  }

  texts(chatId?: string): string[] {
    return this.sent
      .filter((s) => chatId === undefined || s.chatId === chatId)
      .flatMap((s) => (typeof s.content === 'string' ? [s.content] : []));
  }
}

export function libraryMessage(client: unknown, data: Record<string, unknown>): WAWebJS.Message {
  return new LibraryMessage(client, data);
}
