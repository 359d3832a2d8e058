import { join } from 'node:path';
import wweb from 'whatsapp-web.js';
import type WAWebJS from 'whatsapp-web.js';

/**
 * The part of whatsapp-web.js's `Client` the adapter uses. The real client drives a headless
 * Chromium; tests pass an EventEmitter with the same methods that emits the library's own
 * `Message` objects, so the adapter never knows the difference.
 */
export interface WhatsappClient {
  // The library's own signature (index.d.ts) and EventEmitter's: listeners take the event's arguments.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  on(event: string, listener: (...args: any[]) => void): unknown;
  removeAllListeners(event?: string): unknown;
  initialize(): Promise<void>;
  destroy(): Promise<void>;
  sendMessage(
    chatId: string,
    content: string | WAWebJS.MessageMedia,
    options?: WAWebJS.MessageSendOptions,
  ): Promise<WAWebJS.Message | null | undefined>;
}

/** What the adapter tells the factory: where the browser is and where the session lives. */
export interface ClientSettings {
  /** The system Chromium (channels.whatsapp-web.executablePath); nothing is downloaded. */
  readonly executablePath: string;
  /** LocalAuth session name (channels.whatsapp-web.clientId). */
  readonly clientId: string;
  /** `<store.dataDir>/whatsapp-web`: the LocalAuth session and the WhatsApp Web page cache. */
  readonly dataPath: string;
}

export type ClientFactory = (settings: ClientSettings) => WhatsappClient;

/** Chromium flags: the same headless set the browser tests use, minus anything that phones home. */
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
];

/** Where LocalAuth keeps the session for this client id (its own naming: `session-<clientId>`). */
export function sessionDir(settings: Pick<ClientSettings, 'dataPath' | 'clientId'>): string {
  return join(settings.dataPath, `session-${settings.clientId}`);
}

/** The options handed to the library's `Client`, kept apart so a test can check them without a browser. */
export function clientOptions(settings: ClientSettings): WAWebJS.ClientOptions {
  return {
    authStrategy: new wweb.LocalAuth({ clientId: settings.clientId, dataPath: settings.dataPath }),
    puppeteer: {
      executablePath: settings.executablePath,
      headless: true,
      args: [...CHROMIUM_ARGS],
    },
    // The library's default cache folder is ./.wwebjs_cache in the working directory; keep it with the session.
    webVersionCache: { type: 'local', path: join(settings.dataPath, 'cache') },
  };
}

/** The real client. Constructing it starts nothing: the browser starts in `initialize()`. */
export const libraryClient: ClientFactory = (settings) => new wweb.Client(clientOptions(settings));
