import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import wweb from 'whatsapp-web.js';
import { channelFactories } from '../../../adapters/index.js';
import { CHROMIUM_ARGS, clientOptions, libraryClient, sessionDir } from '../../../adapters/whatsapp-web/client.js';
import { createWhatsappWebChannel } from '../../../adapters/whatsapp-web/index.js';
import { configSchema } from '../../../src/config/schema.js';
import type { ChannelContext } from '../../../src/server/channel.js';

const settings = { executablePath: '/usr/bin/chromium', clientId: 'casino-1', dataPath: '/srv/croupier/data/whatsapp-web' };

describe('the whatsapp-web.js client the adapter builds (constructed, never started)', () => {
  it('uses LocalAuth under <dataDir>/whatsapp-web and the system Chromium, headless, with the agreed flags', () => {
    const options = clientOptions(settings);
    expect(options.authStrategy).toBeInstanceOf(wweb.LocalAuth);
    expect(options.authStrategy).toMatchObject({ clientId: 'casino-1', dataPath: '/srv/croupier/data/whatsapp-web' });
    expect(options.puppeteer).toEqual({
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
    });
    expect(CHROMIUM_ARGS).toEqual((options.puppeteer as { args?: string[] }).args);
    // The page cache goes with the session, not into the working directory.
    expect(options.webVersionCache).toEqual({ type: 'local', path: join(settings.dataPath, 'cache') });
    expect(sessionDir(settings)).toBe('/srv/croupier/data/whatsapp-web/session-casino-1');
  });

  it('the real Client takes those options and launches nothing until initialize()', () => {
    const client = libraryClient(settings) as unknown as InstanceType<typeof wweb.Client> & {
      options: { puppeteer: Record<string, unknown> };
      authStrategy: unknown;
    };
    expect(client).toBeInstanceOf(wweb.Client);
    expect(client.options.puppeteer).toMatchObject({ executablePath: '/usr/bin/chromium', headless: true });
    expect(client.authStrategy).toBeInstanceOf(wweb.LocalAuth);
    expect(client.pupBrowser).toBeNull();
  });

  it('is registered as "whatsapp-web" and stays off unless enabled', () => {
    expect(channelFactories['whatsapp-web']).toBe(createWhatsappWebChannel);
    const config = configSchema.parse({});
    expect(config.channels['whatsapp-web'].enabled).toBe(false);
    expect(createWhatsappWebChannel({ config } as unknown as ChannelContext)).toBeUndefined();
  });
});
