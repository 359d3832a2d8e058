import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { channelFactories } from '../../adapters/index.js';
import { loadConfig } from '../config/load.js';
import type { CroupierConfig } from '../config/schema.js';
import { randomId, systemClock, type Clock, type IdSource } from '../core/clock.js';
import { formatIssue } from '../core/content-issue.js';
import { CroupierError } from '../core/errors.js';
import { withRetries, type RetryOptions } from '../core/delivery.js';
import { Pipeline } from '../core/pipeline.js';
import type { Deliver } from '../core/stages/deliver.js';
import { backOfficePort } from '../crm/actions.js';
import type { BackOffice } from '../crm/back-office.js';
import { DemoBackOffice } from '../crm/demo-back-office.js';
import { HttpBackOffice } from '../crm/http-back-office.js';
import { FlowBot } from '../dialogue/flow-bot.js';
import { seedDemoAgents } from '../handoff/agents.js';
import { HandoffDesk } from '../handoff/desk.js';
import { pipelineLink } from '../handoff/link.js';
import { handoffSettings } from '../handoff/settings.js';
import { catalogueTexts } from '../handoff/texts.js';
import { sentimentPort } from '../nlu/sentiment.js';
import { TrainingPool } from '../nlu/training-pool.js';
import { openSqliteStore } from '../store/sqlite-store.js';
import type { Store } from '../store/store.js';
import { registerAgentApi } from './agent-api.js';
import { buildServer } from './app.js';
import { registerAgentConsole } from './agent-console.js';
import type { ChannelAdapter, ChannelContext } from './channel.js';
import { LiveContent, buildContent } from './live-content.js';
import { createLogger } from './logger.js';

export interface StartOptions {
  /** croupier.yaml to read; default `./croupier.yaml` when it exists, else built-in defaults. */
  readonly configFile?: string;
  /** Overrides for tests and the CLI. */
  readonly dataDir?: string;
  readonly port?: number;
  readonly host?: string;
  readonly logLevel?: string;
  /** Folder the content paths (intents/, flows/) are relative to; default: the working directory. */
  readonly contentRoot?: string;
  readonly clock?: Clock;
  readonly ids?: IdSource;
  readonly env?: NodeJS.ProcessEnv;
  /** Reload intents/ and flows/ when they change (default true). */
  readonly watchContent?: boolean;
  /** Retry policy of platform sends (tests pass a sleep that does not wait). */
  readonly deliveryRetries?: RetryOptions;
  /** How often the hand-off desk runs its SLA clocks (default 5000 ms; 0: never, tests call `desk.tick()`). */
  readonly handoffTickMs?: number;
}

/** A running Croupier: its URL, its parts for tests, and a graceful `close()`. */
export interface CroupierHandle {
  readonly url: string;
  readonly server: FastifyInstance;
  readonly store: Store;
  readonly pipeline: Pipeline;
  readonly channels: readonly ChannelAdapter[];
  readonly config: CroupierConfig;
  readonly log: Logger;
  readonly content: LiveContent;
  /** The hand-off desk: cases, agents, SLA clocks. */
  readonly desk: HandoffDesk;
  /** Resolves once the messages the last run acknowledged but never answered (the inbox) have been answered. */
  readonly recovered: Promise<void>;
  close(): Promise<void>;
}

/** The package root: the nearest folder above this file that holds package.json. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
  return dir;
}

/**
 * The composition root: reads the configuration, loads content, opens the store, builds the
 * pipeline and the channels, and starts the HTTP server.
 *
 * @example const app = await startCroupier({ port: 0, dataDir: '/tmp/x' }); await app.close()
 */
export async function startCroupier(options: StartOptions = {}): Promise<CroupierHandle> {
  const env = options.env ?? process.env;
  const loaded = loadConfig({ ...(options.configFile ? { file: options.configFile } : {}), env });
  const config = withOverrides(loaded.config, options);
  const contentRoot = options.contentRoot ?? process.cwd();
  const log = createLogger({ level: config.log.level });
  const clock = options.clock ?? systemClock;
  const ids = options.ids ?? randomId;

  const paths = {
    rootDir: contentRoot,
    intentsDir: config.content.intentsDir,
    flowsDir: config.content.flowsDir,
    defaultLanguage: config.languages.default,
  };
  const { content: initial, issues } = buildContent(paths);
  for (const issue of issues) log.warn({ code: 'CROUPIER_CONTENT_INVALID' }, formatIssue(issue));
  if (!initial) {
    throw new CroupierError(
      'CROUPIER_CONTENT_INVALID',
      `the content has errors; fix them and start again:\n${issues.map(formatIssue).join('\n')}`,
      {
        details: { issues },
      },
    );
  }
  const watchContent = options.watchContent ?? true;
  // Hot reloads retrain in worker threads (started by watch()), so turns are not held up meanwhile.
  const threads = config.content.trainingThreads ?? Math.min(availableParallelism(), 4);
  const trainingPool = watchContent && threads > 0 ? new TrainingPool(threads) : undefined;
  const content = new LiveContent(initial, paths, log, trainingPool);

  const dataDir = resolve(config.store.dataDir);
  const store = openStore(config, dataDir);
  const serverSecret = env['CROUPIER_SECRET'] ?? persistentSecret(dataDir);

  let url = '';
  const channels: ChannelAdapter[] = [];
  const byId = new Map<string, ChannelAdapter>();
  // Every channel's sends get the same retry policy: transient platform failures (429, 5xx,
  // network) are retried with back-off, honouring Retry-After; the outcome lands on the transcript.
  const deliver: Deliver = withRetries(
    async (target, outbound, entry) => {
      const channel = byId.get(target.channel);
      if (!channel) throw new CroupierError('CROUPIER_PLATFORM_API', `channel "${target.channel}" is not running`);
      return channel.send(target, outbound, entry);
    },
    {
      ...options.deliveryRetries,
      onRetry: (error, attempt, delayMs) =>
        log.warn({ code: error.code, channel: error.details['channel'], attempt, delayMs }, 'platform send failed; retrying'),
    },
  );
  const backOffice: BackOffice =
    config.backOffice.url === 'demo'
      ? new DemoBackOffice(clock, {
          onCode: (playerId, code) => log.info({ playerId }, `demo back office: one-time code for ${playerId} is ${code}`),
        })
      : new HttpBackOffice({
          baseUrl: config.backOffice.url,
          apiKeyHeader: config.backOffice.apiKeyHeader,
          timeoutMs: config.backOffice.timeoutMs,
          retries: config.backOffice.retries,
          clock,
          ...(loaded.secrets.backOfficeKey ? { apiKey: loaded.secrets.backOfficeKey } : {}),
        });
  // The desk reaches players through the pipeline (in each conversation's turn order), and the
  // pipeline hands players to the desk: the link is bound once both exist.
  const deskPipeline: { current?: Pipeline } = {};
  const desk = new HandoffDesk({
    store,
    clock,
    ids,
    log: log.child({ component: 'handoff' }),
    settings: handoffSettings(config.handoff),
    texts: catalogueTexts(() => content.current.catalogue, log),
    link: pipelineLink({
      pipeline: {
        exclusive: (channel, key, task) => {
          if (!deskPipeline.current) throw new CroupierError('CROUPIER_PIPELINE_CLOSED', 'the pipeline is not running yet');
          return deskPipeline.current.exclusive(channel, key, task);
        },
      },
      store,
      deliver,
      clock,
      log,
    }),
    backOffice,
  });
  const bot = new FlowBot({
    content: () => content.current,
    backOffice: backOfficePort(backOffice),
    players: store.players,
    events: store.events,
    clock,
    maxFallbacks: config.handoff.fallbacksBeforeHandoff,
    handoff: desk,
    ...(config.handoff.angerDetection ? { anger: { sentiment: sentimentPort() } } : {}),
  });
  const pipeline = new Pipeline({
    store,
    log,
    clock,
    ids,
    deliver,
    bot: () => bot,
    texts: (language, key) => content.current.catalogue.text(language, `system.${key}`),
    languages: { supported: () => content.current.catalogue.languages, fallback: config.languages.default },
    rateLimit: config.rateLimit,
    capabilities: (channel) => byId.get(channel)?.capabilities,
    handoff: () => desk,
  });
  deskPipeline.current = pipeline;

  const seeded = config.handoff.demoAgents
    ? await seedDemoAgents(
        store,
        { ids, clock, defaultCapacity: config.handoff.capacity, languages: content.current.catalogue.languages },
        env['CROUPIER_DEMO_AGENT_PASSWORD'] || undefined,
      )
    : undefined;
  if (seeded) {
    log.warn(
      { logins: seeded.logins },
      seeded.generated
        ? `demo agent accounts created for the console at /agent: logins ${seeded.logins.join(' and ')}, password ${seeded.password} (shown once; demo only — add real agents with \`croupier agents add\`)`
        : `demo agent accounts created for the console at /agent: logins ${seeded.logins.join(' and ')}, password from CROUPIER_DEMO_AGENT_PASSWORD (demo only)`,
    );
  }
  await desk.start();

  const context: ChannelContext = {
    config,
    secrets: loaded.secrets,
    store,
    log,
    clock,
    ids,
    rootDir: packageRoot(),
    serverSecret,
    handle: (inbound) => pipeline.handle(inbound),
    accept: (inbound) => pipeline.accept(inbound),
    env,
    publicUrl: () => config.server.publicUrl?.replace(/\/+$/, '') ?? url,
    agentDesk: desk,
  };
  // A channel that refuses its configuration stops the start; nothing opened so far may leak.
  const abandon = async (error: unknown): Promise<never> => {
    content.close();
    await trainingPool?.close();
    for (const channel of channels) await channel.close?.().catch(() => undefined);
    await store.close();
    throw error;
  };
  try {
    for (const [name, factory] of Object.entries(channelFactories)) {
      const channel = factory(context);
      if (!channel) continue;
      if (channel.id !== name)
        throw new CroupierError('CROUPIER_CONFIG_INVALID', `channel registered as "${name}" calls itself "${channel.id}"`);
      channels.push(channel);
      byId.set(channel.id, channel);
    }
  } catch (error) {
    await abandon(error);
  }

  // Messages acknowledged to a platform before a crash, whose turn never finished: queued at the
  // head of their conversations before the server takes a request, so a player's newer message
  // never overtakes them; they run once the channels have started and can send.
  let channelsStarted: () => void = () => undefined;
  const started = new Promise<void>((resolve) => (channelsStarted = resolve));
  let replay: Awaited<ReturnType<Pipeline['replay']>>;
  try {
    replay = await pipeline.replay(started);
  } catch (error) {
    return abandon(error);
  }

  const server = await buildServer({ config, log, store, channels, contentReady: () => true });
  await registerAgentApi(server, { desk, log });
  await registerAgentConsole(server, { rootDir: packageRoot() });
  try {
    await server.listen({ port: config.server.port, host: config.server.host });
  } catch (error) {
    await server.close().catch(() => undefined);
    await abandon(error);
  }
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : config.server.port;
  const bound = config.server.host;
  url = `http://${bound === '0.0.0.0' || bound === '::' ? 'localhost' : bound.includes(':') ? `[${bound}]` : bound}:${port}`;

  try {
    for (const channel of channels) await channel.start?.();
  } catch (error) {
    // A channel that cannot start stops the start too: the listening server is closed with the rest.
    await server.close().catch(() => undefined);
    await abandon(error);
  }
  channelsStarted();
  // Watched only once everything has started: a start that fails leaves no watcher or thread behind.
  if (watchContent) content.watch();
  // Not awaited: a replayed reply may wait for its channel (WhatsApp Web holds replies until it is
  // connected), and the start must not. The turns are tracked, so a shutdown still waits for them.
  if (replay.count > 0) log.warn({ count: replay.count }, 'replaying messages left unanswered by the last run');
  const recovered = replay.finished;

  const tickMs = options.handoffTickMs ?? 5000;
  const ticker =
    tickMs > 0
      ? setInterval(() => {
          desk.tick().catch((error: unknown) => log.error({ err: error, code: 'CROUPIER_STORE_FAILED' }, 'hand-off clock failed'));
        }, tickMs)
      : undefined;
  ticker?.unref();

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      log.info('shutting down: no new connections, finishing in-flight work');
      const timeout = setTimeout(
        () => log.warn('shutdown is taking longer than configured; still waiting for in-flight turns'),
        config.server.shutdownTimeoutMs,
      );
      try {
        if (ticker) clearInterval(ticker);
        content.close();
        await trainingPool?.close();
        // Stop taking requests, let accepted turns finish (their replies still go out through the
        // channels, except those waiting for a connection that may not come back), then close the channels.
        for (const channel of channels) channel.stopping?.();
        await server.close();
        await pipeline.drain();
        // Messages the desk was still sending (queue updates, rating questions), in turn order.
        await desk.idle();
        await pipeline.drain();
        for (const channel of channels) await channel.close?.();
      } finally {
        clearTimeout(timeout);
        await store.close();
        log.info('stopped');
      }
    })();
    return closing;
  };

  return { url, server, store, pipeline, channels, config, log, content, desk, recovered, close };
}

function withOverrides(config: CroupierConfig, options: StartOptions): CroupierConfig {
  return {
    ...config,
    server: {
      ...config.server,
      ...(options.port !== undefined ? { port: options.port } : {}),
      ...(options.host ? { host: options.host } : {}),
    },
    store: { ...config.store, ...(options.dataDir ? { dataDir: options.dataDir } : {}) },
    log: { ...config.log, ...(options.logLevel ? { level: options.logLevel as CroupierConfig['log']['level'] } : {}) },
  };
}

/** Opens the store the configuration names (`croupier agents` uses it too). */
export function openStore(config: CroupierConfig, dataDir: string): Store {
  const url = config.store.url;
  if (url === 'embedded') return openSqliteStore({ file: join(dataDir, 'croupier.db'), durability: config.store.durability });
  if (url.startsWith('sqlite:'))
    return openSqliteStore({ file: resolve(url.slice('sqlite:'.length)), durability: config.store.durability });
  throw new CroupierError(
    'CROUPIER_CONFIG_INVALID',
    `store.url "${url.replace(/\/\/[^@]*@/, '//***@')}" is not supported yet: use "embedded" or "sqlite:<path>"`,
  );
}

/** A random secret kept in the data directory, so signed web conversation ids survive restarts. */
function persistentSecret(dataDir: string): string {
  const file = join(dataDir, 'server-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}
