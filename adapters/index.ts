import type { ChannelFactory } from '../src/server/channel.js';
import { createBotframeworkChannel } from './botframework/index.js';
import { createTelegramChannel } from './telegram/index.js';
import { createViberChannel } from './viber/index.js';
import { createWebChannel } from './web/index.js';
import { createWhatsAppCloudChannel } from './whatsapp-cloud/index.js';
import { createWhatsappWebChannel } from './whatsapp-web/index.js';

/**
 * The channel registry: one line per channel. The core never imports a channel; the server reads
 * this map and starts the channels the configuration enables.
 */
export const channelFactories: Readonly<Record<string, ChannelFactory>> = {
  web: createWebChannel,
  botframework: createBotframeworkChannel,
  telegram: createTelegramChannel,
  viber: createViberChannel,
  'whatsapp-cloud': createWhatsAppCloudChannel,
  'whatsapp-web': createWhatsappWebChannel,
};
