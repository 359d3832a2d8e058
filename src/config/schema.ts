import { z } from 'zod';
import { RANGE, isTimeZone } from '../handoff/hours.js';

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
    agentGroup: z
      .object({
        enabled: z.boolean().default(false),
        chatId: z
          .number()
          .int()
          .max(-1_000_000_000_000, 'a supergroup id, such as -1001234567890 (forum topics exist in supergroups only)')
          .optional()
          .describe('The forum supergroup of the agents (the same bot is an admin there), e.g. -1001234567890.'),
        transcriptLines: z
          .number()
          .int()
          .min(0)
          .max(100)
          .default(30)
          .describe('Transcript entries posted in a new topic (the newest; 0: none).'),
      })
      .strict()
      .refine((group) => !group.enabled || group.chatId !== undefined, {
        message: 'agentGroup.enabled needs agentGroup.chatId: the id of the agents’ forum supergroup',
        path: ['chatId'],
      })
      .prefault({})
      .describe('Agents in Telegram: every hand-off opens a topic in this forum group, where agents answer players.'),
  })
  .strict()
  .refine((telegram) => telegram.enabled || !telegram.agentGroup.enabled, {
    message: 'agentGroup needs the Telegram channel: set channels.telegram.enabled (the same bot serves players and agents)',
    path: ['agentGroup', 'enabled'],
  })
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
    holdRepliesSeconds: z
      .number()
      .int()
      .min(0)
      .max(3600)
      .default(120)
      .describe('How long a reply waits for WhatsApp Web to reconnect before it is marked failed.'),
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

// Human hand-off: routing, SLA, business hours (src/handoff, README "Human handoff and the agent API").
const openingRanges = z
  .array(z.string().regex(RANGE, 'a range such as 09:00-18:00 (end after start; 24:00 allowed)'))
  .describe('Opening ranges of the day, HH:MM-HH:MM in the team time zone; empty or missing = closed.');
const handoffSection = z
  .object({
    fallbacksBeforeHandoff: z
      .number()
      .int()
      .min(1)
      .max(20)
      .default(3)
      .describe('Messages in a row the bot does not understand before it hands the player to a person.'),
    capacity: z.number().int().min(1).max(50).default(5).describe('Conversations an agent holds at once, unless set per agent.'),
    sla: z
      .object({
        firstReplyMinutes: z.number().positive().max(10_080).default(5).describe('First agent reply due within this many minutes (chat).'),
        firstReplyMinutesByChannel: z
          .record(z.string(), z.number().positive().max(10_080))
          .default({})
          .describe('Per-channel first-reply targets, e.g. { whatsapp-cloud: 10 }.'),
        escalateAfterMinutes: z
          .number()
          .positive()
          .max(10_080)
          .default(60)
          .describe('An open case goes up a tier after this many minutes (and again after each further period).'),
        warningRatio: z.number().min(0.1).max(1).default(0.8).describe('Share of an SLA window after which a case shows `warning`.'),
      })
      .strict()
      .prefault({}),
    businessHours: z
      .object({
        timezone: z.string().refine(isTimeZone, 'an IANA time zone such as Europe/Malta').default('UTC'),
        weekly: z
          .object({
            mon: openingRanges.optional(),
            tue: openingRanges.optional(),
            wed: openingRanges.optional(),
            thu: openingRanges.optional(),
            fri: openingRanges.optional(),
            sat: openingRanges.optional(),
            sun: openingRanges.optional(),
          })
          .strict(),
      })
      .strict()
      .nullable()
      .default(null)
      .describe('When agents work; null (default) is 24/7. Outside these hours players are told when the team is back.'),
    estimatedHandleMinutes: z
      .number()
      .positive()
      .max(1440)
      .default(8)
      .describe('Handling time used for wait estimates until a few cases have been closed.'),
    queueUpdateMinutes: z
      .number()
      .min(0.5)
      .max(120)
      .default(2)
      .describe('A waiting player hears about a better queue position at most this often.'),
    breachWebhookUrl: z.url().optional().describe('Optional URL that receives a JSON POST for every SLA breach.'),
    personalManagers: z
      .record(z.string(), z.string())
      .default({})
      .describe('Back-office manager id → agent login; without an entry, the agent whose login equals the manager id.'),
    sessionHours: z.number().positive().max(720).default(12).describe('How long an agent console login lasts.'),
    angerDetection: z.boolean().default(true).describe('Hand an angry or abusive player to a person (sentiment + word lists).'),
    demoAgents: z
      .boolean()
      .default(true)
      .describe('With no agents at all, create the demo accounts `agent` and `supervisor` at start-up (password in the log).'),
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
        trainingThreads: z
          .number()
          .int()
          .min(0)
          .max(16)
          .optional()
          .describe(
            'Worker threads that retrain the NLU on a hot reload, so the bot keeps answering meanwhile; 0 trains on the main thread. Default: the number of cores, at most 4.',
          ),
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
    handoff: handoffSection,
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
