import { ManualClock, sequentialIds } from '../../src/core/clock.js';
import type { Outbound } from '../../src/core/message.js';
import type { BackOffice } from '../../src/crm/back-office.js';
import { loadCatalogue } from '../../src/dialogue/catalogue.js';
import type { HandoffRequest } from '../../src/dialogue/ports.js';
import { addAgent } from '../../src/handoff/agents.js';
import { HandoffDesk, type ConversationRef, type DeskEvent, type PlayerLink } from '../../src/handoff/desk.js';
import type { Agent } from '../../src/handoff/model.js';
import { handoffSettings, type HandoffSettings } from '../../src/handoff/settings.js';
import { catalogueTexts } from '../../src/handoff/texts.js';
import { configSchema } from '../../src/config/schema.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import type { Store, TranscriptEntry } from '../../src/store/store.js';
import { captureLog } from '../support/pipeline-harness.js';

const { catalogue } = loadCatalogue('flows/texts', 'en');

export const PASSWORD = 'test-password';

export interface DeskHarness {
  readonly desk: HandoffDesk;
  readonly store: Store;
  readonly clock: ManualClock;
  readonly settings: HandoffSettings;
  /** Everything the desk said to players, in order. */
  readonly said: { target: ConversationRef; outbound: Extract<Outbound, { kind: 'text' }>; entry: TranscriptEntry }[];
  readonly events: DeskEvent[];
  readonly lines: Record<string, unknown>[];
  readonly webhooks: { url: string; body: Record<string, unknown> }[];
  agent(login: string, extra?: Partial<Omit<Agent, 'id' | 'login'>>): Promise<Agent>;
  /** A conversation in the store and a hand-off request for it. */
  request(key: string, extra?: Partial<HandoffRequest>): Promise<HandoffRequest>;
  /** Opens a case and returns it with what the player was told in their turn. */
  open(key: string, extra?: Partial<HandoffRequest>): Promise<{ caseId: string; status: string; notices: string[] }>;
  /** Texts said to one conversation outside its turns. */
  saidTo(key: string): string[];
  minutes(n: number): Promise<void>;
}

/**
 * A desk over an in-memory store, the shipped text catalogue, a ManualClock and a link that
 * records what players are told; configuration through the real `handoff:` schema.
 */
export async function deskHarness(
  options: { handoff?: Record<string, unknown>; backOffice?: BackOffice; start?: string; store?: Store } = {},
): Promise<DeskHarness> {
  const clock = new ManualClock(options.start ?? '2026-03-02T10:00:00Z');
  const store = options.store ?? openSqliteStore({ file: ':memory:', ids: sequentialIds('row') });
  const config = configSchema.parse({ handoff: options.handoff ?? {} });
  const settings = handoffSettings(config.handoff);
  const { log, lines } = captureLog();
  const said: DeskHarness['said'] = [];
  const events: DeskEvent[] = [];
  const webhooks: DeskHarness['webhooks'] = [];
  const link: PlayerLink = {
    async send(target, outbound) {
      if (outbound.kind !== 'text') throw new Error('text only');
      const entry = await store.transcript.append({
        conversationId: target.conversationId,
        direction: 'out',
        author: outbound.author,
        text: outbound.text,
        ...(outbound.buttons ? { buttons: outbound.buttons } : {}),
        at: clock.now(),
        delivery: 'sent',
      });
      said.push({ target, outbound, entry });
      return entry;
    },
    async update(target, change) {
      const conversation = await store.conversations.get(target.conversationId);
      if (!conversation) return;
      change(conversation);
      await store.conversations.save(conversation);
    },
  };
  const ids = sequentialIds('id');
  const desk = new HandoffDesk({
    store,
    clock,
    ids,
    log,
    settings,
    texts: catalogueTexts(() => catalogue, log),
    link,
    ...(options.backOffice ? { backOffice: options.backOffice } : {}),
    fetch: (async (url: string, init: { body: string }) => {
      webhooks.push({ url, body: JSON.parse(init.body) as Record<string, unknown> });
      return new Response(null, { status: 204 });
    }) as unknown as typeof fetch,
  });
  desk.subscribe((event) => events.push(event));
  const agents = new Map<string, Agent>();
  await desk.start();

  const request = async (key: string, extra: Partial<HandoffRequest> = {}): Promise<HandoffRequest> => {
    const channel = extra.channel ?? 'web';
    const player = await store.players.findOrCreateByAccount({ channel, userId: key }, { at: clock.now() });
    const conversation = await store.conversations.findOrCreate(
      { channel, conversationKey: key },
      { playerId: player.id, language: 'en', at: clock.now() },
    );
    return {
      conversationId: conversation.id,
      channel,
      conversationKey: key,
      playerId: player.id,
      casinoPlayerId: null,
      playerName: null,
      language: 'en',
      reason: 'player_request',
      skill: 'general',
      priority: 'normal',
      responsibleGambling: false,
      ...extra,
    };
  };

  return {
    desk,
    store,
    clock,
    settings,
    said,
    events,
    lines,
    webhooks,
    async agent(login, extra = {}) {
      await addAgent(
        store,
        {
          login,
          name: extra.name ?? login,
          role: extra.role ?? 'agent',
          skills: extra.skills ?? ['general'],
          languages: extra.languages ?? ['en'],
          tier: extra.tier ?? 1,
          ...(extra.capacity !== undefined ? { capacity: extra.capacity } : {}),
          password: PASSWORD,
        },
        { ids: sequentialIds(`agent-${login}`), clock, defaultCapacity: settings.capacity },
      );
      const { agent } = await desk.login(login, PASSWORD);
      agents.set(login, agent);
      if (extra.online !== false) await desk.setOnline(agent, true);
      return agent;
    },
    request,
    async open(key, extra = {}) {
      const opened = await desk.open(await request(key, extra));
      const conversation = await store.conversations.findByKey(extra.channel ?? 'web', key);
      const open = (await desk.listCases(supervisorView(), 'open')).find((c) => c.conversationId === conversation?.id);
      return {
        caseId: open?.id ?? '',
        status: opened.status,
        notices: opened.notices.map((n) => (n.kind === 'text' ? n.text : '')),
      };
    },
    saidTo(key) {
      return said.filter((s) => s.target.conversationKey === key).map((s) => s.outbound.text);
    },
    async minutes(n) {
      clock.advance(n * 60_000);
      await desk.tick();
      await desk.idle();
    },
  };
}

/** A viewer that sees everything, for listing in tests. */
export function supervisorView(): Agent {
  return {
    id: 'test-supervisor',
    login: 'test-supervisor',
    name: 'T',
    role: 'supervisor',
    skills: [],
    languages: [],
    tier: 3,
    capacity: 5,
    online: false,
  };
}
