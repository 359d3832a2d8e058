import { z } from 'zod';

/**
 * The operator's `croupier.yaml`. Every field has a default, so `npm start` needs no file at all.
 * Secrets never live here: they come from environment variables named in the README.
 * This zod schema is the single source of the validator and of schemas/croupier.schema.json.
 */
const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

// Messenger channels: off unless enabled here; their tokens come from the environment (README).
// Each section belongs to its adapter in adapters/<id>/.
const telegramChannel = z
  .object({
    enabled: z.boolean().default(false),
    mode: z
      .enum(['webhook', 'polling'])
      .default('webhook')
      .describe('`webhook` (production: POST /webhooks/telegram) or `polling` (local development, no public URL).'),
    apiRoot: z.url().default('https://api.telegram.org').describe('Bot API root; point it at an emulator for tests.'),
  })
  .strict()
  .prefault({});

const whatsappWebChannel = z
  .object({
    enabled: z.boolean().default(false),
    executablePath: z.string().default('/usr/bin/chromium').describe('The system Chromium whatsapp-web.js drives (no download).'),
    clientId: z
      .string()
      .regex(/^[a-zA-Z0-9_-]+$/)
      .default('croupier')
      .describe('LocalAuth session name under <dataDir>/whatsapp-web.'),
  })
  .strict()
  .prefault({});

const whatsappCloudChannel = z
  .object({
    enabled: z.boolean().default(false),
    graphUrl: z.url().default('https://graph.facebook.com').describe('Graph API base URL; point it at a fake for tests.'),
    apiVersion: z
      .string()
      .regex(/^v\d+\.\d+$/)
      .default('v21.0'),
    phoneNumberId: z.string().default('').describe('The WhatsApp Business phone number id messages are sent from.'),
    /** Sent instead of free text outside the 24-hour customer-service window. */
    template: z
      .object({ name: z.string().min(1), language: z.string().min(2) })
      .strict()
      .optional()
      .describe('Approved template for messages outside the 24-hour window.'),
  })
  .strict()
  .prefault({});

const viberChannel = z
  .object({
    enabled: z.boolean().default(false),
    apiUrl: z.url().default('https://chatapi.viber.com/pa').describe('Viber REST API base; point it at a fake for tests.'),
    botName: z.string().min(1).max(28).default('Croupier').describe('Sender name shown on messages (max 28 characters).'),
    avatar: z.url().optional().describe('Sender avatar URL.'),
  })
  .strict()
  .prefault({});

const botframeworkChannel = z
  .object({
    enabled: z.boolean().default(false),
    welcomePayload: z
      .string()
      .min(1)
      .nullable()
      .default('flow:greeting')
      .describe('Button payload a newly added member is greeted with (conversationUpdate); null for no welcome.'),
  })
  .strict()
  .prefault({});

export const configSchema = z
  .object({
    server: z
      .object({
        host: z.string().default('0.0.0.0').describe('Interface to listen on.'),
        port: z.number().int().min(0).max(65535).default(3000).describe('TCP port; 0 picks a free one.'),
        publicUrl: z.url().optional().describe('The URL players and platforms reach this server at (for webhook registration).'),
        bodyLimitBytes: z
          .number()
          .int()
          .min(1024)
          .max(50_000_000)
          .default(262_144)
          .describe('Largest request body accepted; larger bodies get 413.'),
        trustProxy: z.boolean().default(false).describe('Trust X-Forwarded-* headers (behind a reverse proxy).'),
        shutdownTimeoutMs: z.number().int().min(0).default(10_000).describe('How long a graceful shutdown waits for in-flight work.'),
      })
      .strict()
      .default({ host: '0.0.0.0', port: 3000, bodyLimitBytes: 262_144, trustProxy: false, shutdownTimeoutMs: 10_000 }),
    store: z
      .object({
        url: z.string().default('embedded').describe('`embedded` (SQLite file under dataDir) or `sqlite:<path>`.'),
        dataDir: z.string().default('data').describe('Directory for the embedded database and channel sessions.'),
        durability: z.enum(['normal', 'full']).default('normal').describe('`full` fsyncs every write (survives power loss).'),
      })
      .strict()
      .default({ url: 'embedded', dataDir: 'data', durability: 'normal' }),
    content: z
      .object({
        intentsDir: z.string().default('intents'),
        flowsDir: z.string().default('flows'),
      })
      .strict()
      .default({ intentsDir: 'intents', flowsDir: 'flows' }),
    languages: z
      .object({
        default: z
          .string()
          .regex(/^[a-z]{2,3}$/, 'a language code such as en, es or de')
          .default('en')
          .describe('Fallback language.'),
      })
      .strict()
      .default({ default: 'en' }),
    backOffice: z
      .object({
        url: z.string().default('demo').describe('`demo` (the built-in demo directory) or the base URL of the casino back-office API'),
        apiKeyHeader: z.string().default('authorization').describe('Header that carries CROUPIER_BACK_OFFICE_KEY'),
        timeoutMs: z.number().int().min(100).max(60_000).default(3000),
        retries: z.number().int().min(0).max(5).default(2),
      })
      .strict()
      .refine((bo) => bo.url === 'demo' || /^https?:\/\//.test(bo.url), { message: 'use `demo` or an http(s) URL', path: ['url'] })
      .default({ url: 'demo', apiKeyHeader: 'authorization', timeoutMs: 3000, retries: 2 }),
    rateLimit: z
      .object({
        burst: z.number().int().min(1).default(8).describe('Messages a player may send at once.'),
        perMinute: z.number().min(1).default(30).describe('Sustained messages per minute after the burst.'),
      })
      .strict()
      .default({ burst: 8, perMinute: 30 }),
    log: z
      .object({
        level: logLevel.default('info'),
      })
      .strict()
      .default({ level: 'info' }),
    channels: z
      .object({
        web: z
          .object({
            enabled: z.boolean().default(true),
            /** Origins allowed to open the widget socket; empty allows any (demo). */
            allowedOrigins: z.array(z.string()).default([]),
            historyLimit: z.number().int().min(0).max(1000).default(200).describe('Messages restored after a page reload.'),
          })
          .strict()
          .default({ enabled: true, allowedOrigins: [], historyLimit: 200 }),
        telegram: telegramChannel,
        'whatsapp-web': whatsappWebChannel,
        'whatsapp-cloud': whatsappCloudChannel,
        viber: viberChannel,
        botframework: botframeworkChannel,
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type CroupierConfig = z.output<typeof configSchema>;
export type CroupierConfigInput = z.input<typeof configSchema>;

/** Secrets and deployment overrides read from the environment (documented in the README). */
export interface Secrets {
  /** HMAC key for signed player tokens (`CROUPIER_PLAYER_TOKEN_SECRET`). */
  readonly playerTokenSecret?: string;
  /** API key for the back office (`CROUPIER_BACK_OFFICE_KEY`). */
  readonly backOfficeKey?: string;
}
