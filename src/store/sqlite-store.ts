import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { timeOrderedIds, type IdSource } from '../core/clock.js';
import { CroupierError } from '../core/errors.js';
import type { ChannelAccount, Inbound } from '../core/message.js';
import type {
  AgentRecord,
  AgentSessionRecord,
  CaseTopicRecord,
  CaseRecord,
  Conversation,
  ConversationRepository,
  ConversationStatus,
  EventInput,
  EventLog,
  EventType,
  HandoffRepository,
  NoteRecord,
  Player,
  PlayerRepository,
  ReceiptRepository,
  Store,
  StoredEvent,
  TranscriptEntry,
  TranscriptEntryInput,
  TranscriptRepository,
} from './store.js';

/**
 * The embedded store: one SQLite file under the data directory, through better-sqlite3.
 *
 * Why SQLite: zero setup for `npm start`, real transactions and unique constraints (which dedupe
 * relies on), a crash-safe WAL journal, and ~10 µs writes, so the pipeline benchmark is bounded by
 * the pipeline, not the disk. WAL with `synchronous=NORMAL` survives a process crash; set
 * `durability: 'full'` to survive power loss at the cost of an fsync per write.
 *
 * @example const store = openSqliteStore({ file: 'data/croupier.db' })
 */
export interface SqliteStoreOptions {
  /** Path of the database file, or `:memory:` for tests. */
  readonly file: string;
  /** `normal` (default): safe against process crashes; `full`: also against power loss. */
  readonly durability?: 'normal' | 'full';
  readonly ids?: IdSource;
}

const MIGRATIONS: readonly string[] = [
  `CREATE TABLE receipts (
     channel TEXT NOT NULL,
     platform_message_id TEXT NOT NULL,
     at INTEGER NOT NULL,
     PRIMARY KEY (channel, platform_message_id)
   ) WITHOUT ROWID;
   CREATE TABLE players (
     id TEXT PRIMARY KEY,
     casino_player_id TEXT UNIQUE,
     display_name TEXT,
     language TEXT,
     verified_at INTEGER,
     created_at INTEGER NOT NULL
   );
   CREATE TABLE player_accounts (
     channel TEXT NOT NULL,
     user_id TEXT NOT NULL,
     player_id TEXT NOT NULL REFERENCES players(id),
     PRIMARY KEY (channel, user_id)
   ) WITHOUT ROWID;
   CREATE INDEX player_accounts_player ON player_accounts(player_id);
   CREATE TABLE conversations (
     id TEXT PRIMARY KEY,
     channel TEXT NOT NULL,
     conversation_key TEXT NOT NULL,
     player_id TEXT NOT NULL REFERENCES players(id),
     language TEXT,
     status TEXT NOT NULL,
     state TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL,
     UNIQUE (channel, conversation_key)
   );
   CREATE TABLE transcript (
     position INTEGER PRIMARY KEY,
     conversation_id TEXT NOT NULL REFERENCES conversations(id),
     seq INTEGER NOT NULL,
     id TEXT NOT NULL,
     direction TEXT NOT NULL,
     author TEXT NOT NULL,
     text TEXT,
     payload TEXT,
     buttons TEXT,
     attachments TEXT,
     platform_message_id TEXT,
     delivery TEXT,
     raw TEXT,
     at INTEGER NOT NULL,
     UNIQUE (conversation_id, seq)
   );
   CREATE TABLE events (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     type TEXT NOT NULL,
     at INTEGER NOT NULL,
     conversation_id TEXT,
     player_id TEXT,
     data TEXT
   );
   CREATE INDEX events_conversation ON events(conversation_id);
   CREATE INDEX events_type_at ON events(type, at);`,
  // The inbox: messages acknowledged to a platform whose turn has not finished yet.
  `CREATE TABLE inbox (
     position INTEGER PRIMARY KEY,
     channel TEXT NOT NULL,
     platform_message_id TEXT NOT NULL,
     inbound TEXT NOT NULL,
     at INTEGER NOT NULL,
     UNIQUE (channel, platform_message_id)
   );`,
  // Human hand-off: agents (scrypt password hashes), console sessions (token hashes), cases
  // (queried columns + the case as JSON) and internal notes.
  `CREATE TABLE agents (
     id TEXT PRIMARY KEY,
     login TEXT NOT NULL UNIQUE,
     name TEXT NOT NULL,
     role TEXT NOT NULL,
     skills TEXT NOT NULL,
     languages TEXT NOT NULL,
     tier INTEGER NOT NULL,
     capacity INTEGER NOT NULL,
     online INTEGER NOT NULL,
     password_hash TEXT NOT NULL,
     created_at INTEGER NOT NULL
   );
   CREATE TABLE agent_sessions (
     token_hash TEXT PRIMARY KEY,
     agent_id TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
     created_at INTEGER NOT NULL,
     expires_at INTEGER NOT NULL
   ) WITHOUT ROWID;
   CREATE INDEX agent_sessions_expiry ON agent_sessions(expires_at);
   CREATE TABLE handoff_cases (
     id TEXT PRIMARY KEY,
     conversation_id TEXT NOT NULL REFERENCES conversations(id),
     status TEXT NOT NULL,
     agent_id TEXT,
     queued_at INTEGER NOT NULL,
     closed_at INTEGER,
     data TEXT NOT NULL
   );
   CREATE INDEX handoff_cases_status ON handoff_cases(status, queued_at);
   CREATE INDEX handoff_cases_agent ON handoff_cases(agent_id, queued_at);
   CREATE INDEX handoff_cases_closed ON handoff_cases(closed_at);
   CREATE TABLE case_notes (
     position INTEGER PRIMARY KEY,
     id TEXT NOT NULL UNIQUE,
     case_id TEXT NOT NULL REFERENCES handoff_cases(id),
     agent_id TEXT NOT NULL,
     text TEXT NOT NULL,
     at INTEGER NOT NULL
   );
   CREATE INDEX case_notes_case ON case_notes(case_id, position);`,
  // Agents in Telegram: an agent's Telegram user id, and each case's forum topic in the agents' group.
  `ALTER TABLE agents ADD COLUMN telegram_user_id TEXT;
   CREATE UNIQUE INDEX agents_telegram_user ON agents(telegram_user_id) WHERE telegram_user_id IS NOT NULL;
   CREATE TABLE case_topics (
     case_id TEXT PRIMARY KEY REFERENCES handoff_cases(id),
     chat_id TEXT NOT NULL,
     thread_id INTEGER NOT NULL,
     relayed_seq INTEGER NOT NULL,
     created_at INTEGER NOT NULL,
     closed_at INTEGER,
     UNIQUE (chat_id, thread_id)
   );
   CREATE INDEX case_topics_open ON case_topics(chat_id, closed_at);`,
];

export function openSqliteStore(options: SqliteStoreOptions): Store {
  let db: Database.Database;
  try {
    // Inside the try: a data directory that cannot be created is the same operator problem as a
    // file that cannot be opened, and must carry the same code.
    if (options.file !== ':memory:') mkdirSync(dirname(options.file), { recursive: true });
    db = new Database(options.file);
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${options.durability === 'full' ? 'FULL' : 'NORMAL'}`);
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    // A 64 MiB page cache and fewer, larger checkpoints: the WAL is copied back to the main file
    // every ~40 MiB instead of every 4 MiB, which keeps fsyncs off the hot path.
    db.pragma('cache_size = -65536');
    db.pragma('wal_autocheckpoint = 10000');
    db.pragma('temp_store = MEMORY');
    migrate(db);
  } catch (error) {
    throw new CroupierError('CROUPIER_STORE_UNAVAILABLE', `cannot open the embedded database at ${options.file}`, { cause: error });
  }
  return new SqliteStore(db, options.ids ?? timeOrderedIds());
}

function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  for (let version = current; version < MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version] ?? '');
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
}

class SqliteStore implements Store {
  readonly kind = 'sqlite';
  readonly receipts: ReceiptRepository;
  readonly conversations: ConversationRepository;
  readonly transcript: TranscriptRepository;
  readonly players: PlayerRepository;
  readonly events: EventLog;
  readonly handoff: HandoffRepository;
  readonly #commits: GroupCommit;
  #closed = false;

  constructor(
    private readonly db: Database.Database,
    ids: IdSource,
  ) {
    this.#commits = new GroupCommit(db);
    const open = () => {
      if (this.#closed) throw new CroupierError('CROUPIER_STORE_UNAVAILABLE', 'the store is closed');
    };
    const read: Guard =
      (fn) =>
      async (...args) => {
        open();
        try {
          return fn(...args);
        } catch (error) {
          throw new CroupierError('CROUPIER_STORE_FAILED', 'embedded database read failed', { cause: error });
        }
      };
    const write: Guard =
      (fn) =>
      async (...args) => {
        open();
        return this.#commits.run(() => fn(...args));
      };
    this.receipts = receipts(db, write, read);
    this.conversations = conversations(db, read, write, ids);
    this.transcript = transcript(db, read, write, ids);
    this.players = players(db, read, write, ids);
    this.events = events(db, read, write);
    this.handoff = handoff(db, read, write);
  }

  durable(): Promise<void> {
    return this.#commits.durable();
  }

  async ping(): Promise<void> {
    if (this.#closed) throw new CroupierError('CROUPIER_STORE_UNAVAILABLE', 'the store is closed');
    this.db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#commits.flush();
    this.db.close();
  }
}

/**
 * Group commit: every write made during one turn of the event loop joins one open transaction,
 * which commits on the next `setImmediate`. Writes are visible to this process at once (same
 * connection); `durable()` resolves after the commit that includes everything written so far.
 * Under load one commit carries the writes of many turns, which is what lets the pipeline keep up
 * with bare fastify; a caller that must not acknowledge before the data is safe awaits `durable()`.
 * A single statement is atomic on its own and multi-statement writes are better-sqlite3
 * transaction functions, which nest as savepoints, so one failing write never undoes its
 * neighbours. If a commit fails, `durable()` rejects and the caller answers with an error, so the
 * platform retries.
 */
class GroupCommit {
  #waiters: { resolve: () => void; reject: (error: unknown) => void }[] = [];
  #open = false;

  constructor(private readonly db: Database.Database) {}

  run<R>(fn: () => R): R {
    if (!this.#open) {
      this.db.exec('BEGIN');
      this.#open = true;
      setImmediate(() => this.flush());
    }
    try {
      return fn();
    } catch (error) {
      // A refusal with its own code (a login that exists already) keeps it.
      if (error instanceof CroupierError) throw error;
      throw new CroupierError('CROUPIER_STORE_FAILED', 'embedded database write failed', { cause: error });
    }
  }

  durable(): Promise<void> {
    if (!this.#open) return Promise.resolve();
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  flush(): void {
    if (!this.#open) return;
    const waiters = this.#waiters;
    this.#waiters = [];
    this.#open = false;
    try {
      this.db.exec('COMMIT');
    } catch (error) {
      try {
        this.db.exec('ROLLBACK');
      } catch {
        // the transaction is already gone
      }
      const failure = new CroupierError('CROUPIER_STORE_FAILED', 'embedded database commit failed', { cause: error });
      for (const waiter of waiters) waiter.reject(failure);
      return;
    }
    for (const waiter of waiters) waiter.resolve();
  }
}

type Guard = <A extends unknown[], R>(fn: (...args: A) => R) => (...args: A) => Promise<R>;

function receipts(db: Database.Database, write: Guard, read: Guard): ReceiptRepository {
  const insert = db.prepare('INSERT OR IGNORE INTO receipts (channel, platform_message_id, at) VALUES (?, ?, ?)');
  const keep = db.prepare('INSERT OR IGNORE INTO inbox (channel, platform_message_id, inbound, at) VALUES (?, ?, ?, ?)');
  const remove = db.prepare('DELETE FROM inbox WHERE channel = ? AND platform_message_id = ?');
  const pending = db.prepare('SELECT inbound FROM inbox ORDER BY position');
  return {
    claim: write((channel: string, platformMessageId: string, at: Date, inbound?: Inbound) => {
      const first = insert.run(channel, platformMessageId, at.getTime()).changes === 1;
      if (first && inbound) keep.run(channel, platformMessageId, JSON.stringify(inbound), at.getTime());
      return first;
    }),
    settle: write((channel: string, platformMessageId: string) => {
      remove.run(channel, platformMessageId);
    }),
    unsettled: read(() =>
      (pending.all() as { inbound: string }[]).map((row) => {
        const inbound = JSON.parse(row.inbound) as Inbound & { receivedAt: string };
        return { ...inbound, receivedAt: new Date(inbound.receivedAt) };
      }),
    ),
  };
}

interface ConversationRow {
  id: string;
  channel: string;
  conversation_key: string;
  player_id: string;
  language: string | null;
  status: string;
  state: string;
  created_at: number;
  updated_at: number;
}

function toConversation(row: ConversationRow): Conversation {
  return {
    id: row.id,
    channel: row.channel,
    conversationKey: row.conversation_key,
    playerId: row.player_id,
    language: row.language,
    status: row.status as ConversationStatus,
    state: JSON.parse(row.state) as Record<string, unknown>,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

function conversations(db: Database.Database, read: Guard, write: Guard, ids: IdSource): ConversationRepository {
  const byKey = db.prepare<[string, string], ConversationRow>('SELECT * FROM conversations WHERE channel = ? AND conversation_key = ?');
  const byId = db.prepare<[string], ConversationRow>('SELECT * FROM conversations WHERE id = ?');
  const insert = db.prepare(
    `INSERT INTO conversations (id, channel, conversation_key, player_id, language, status, state, created_at, updated_at)
     VALUES (@id, @channel, @conversationKey, @playerId, @language, 'bot', '{}', @at, @at)
     ON CONFLICT (channel, conversation_key) DO NOTHING`,
  );
  const update = db.prepare('UPDATE conversations SET language = ?, status = ?, state = ?, updated_at = ? WHERE id = ?');
  const findByKey = read((channel: string, conversationKey: string) => {
    const row = byKey.get(channel, conversationKey);
    return row ? toConversation(row) : undefined;
  });
  const create = write(
    (key: { channel: string; conversationKey: string }, init: { playerId: string; language: string | null; at: Date }) => {
      insert.run({ id: ids(), ...key, playerId: init.playerId, language: init.language, at: init.at.getTime() });
      const row = byKey.get(key.channel, key.conversationKey);
      if (!row) throw new Error('conversation vanished after insert');
      return toConversation(row);
    },
  );
  return {
    // The common case (the conversation exists) is a read; only a first message writes.
    findOrCreate: async (key, init) => (await findByKey(key.channel, key.conversationKey)) ?? create(key, init),
    get: read((id: string) => {
      const row = byId.get(id);
      return row ? toConversation(row) : undefined;
    }),
    findByKey,
    save: write((conversation: Conversation) => {
      update.run(
        conversation.language,
        conversation.status,
        JSON.stringify(conversation.state),
        conversation.updatedAt.getTime(),
        conversation.id,
      );
    }),
  };
}

interface TranscriptRow {
  id: string;
  conversation_id: string;
  seq: number;
  direction: string;
  author: string;
  text: string | null;
  payload: string | null;
  buttons: string | null;
  attachments: string | null;
  platform_message_id: string | null;
  delivery: string | null;
  raw: string | null;
  at: number;
}

function toEntry(row: TranscriptRow): TranscriptEntry {
  const entry: Record<string, unknown> = {
    id: row.id,
    conversationId: row.conversation_id,
    seq: row.seq,
    direction: row.direction,
    author: row.author,
    at: new Date(row.at),
  };
  if (row.text !== null) entry['text'] = row.text;
  if (row.payload !== null) entry['payload'] = row.payload;
  if (row.buttons !== null) entry['buttons'] = JSON.parse(row.buttons);
  if (row.attachments !== null) entry['attachments'] = JSON.parse(row.attachments);
  if (row.platform_message_id !== null) entry['platformMessageId'] = row.platform_message_id;
  if (row.delivery !== null) entry['delivery'] = row.delivery;
  if (row.raw !== null) entry['raw'] = JSON.parse(row.raw);
  return entry as unknown as TranscriptEntry;
}

function transcript(db: Database.Database, read: Guard, write: Guard, ids: IdSource): TranscriptRepository {
  // One statement numbers and inserts an entry: atomic on its own, so no savepoint around it. The
  // next seq comes from ORDER BY … LIMIT 1, which walks the (conversation_id, seq) index from its
  // end; MAX() wrapped in COALESCE would scan the whole conversation.
  const insert = db.prepare<unknown[], { seq: number }>(
    `INSERT INTO transcript (id, conversation_id, seq, direction, author, text, payload, buttons, attachments, platform_message_id, delivery, raw, at)
     VALUES (?, ?, COALESCE((SELECT seq FROM transcript WHERE conversation_id = ? ORDER BY seq DESC LIMIT 1), 0) + 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     RETURNING seq`,
  );
  const newest = db.prepare<[string, number], TranscriptRow>(
    'SELECT * FROM (SELECT * FROM transcript WHERE conversation_id = ? ORDER BY seq DESC LIMIT ?) ORDER BY seq',
  );
  const append = (entry: TranscriptEntryInput): TranscriptEntry => {
    const id = ids();
    const { seq } = insert.get(
      id,
      entry.conversationId,
      entry.conversationId,
      entry.direction,
      entry.author,
      entry.text ?? null,
      entry.payload ?? null,
      entry.buttons && entry.buttons.length > 0 ? JSON.stringify(entry.buttons) : null,
      entry.attachments && entry.attachments.length > 0 ? JSON.stringify(entry.attachments) : null,
      entry.platformMessageId ?? null,
      entry.delivery ?? null,
      entry.raw === undefined ? null : JSON.stringify(entry.raw),
      entry.at.getTime(),
    ) as { seq: number };
    return { ...entry, id, seq };
  };
  const delivery = db.prepare(
    'UPDATE transcript SET delivery = ?, platform_message_id = COALESCE(?, platform_message_id) WHERE conversation_id = ? AND seq = ?',
  );
  return {
    append: write((entry: TranscriptEntryInput) => append(entry)),
    markDelivery: write((entry: Pick<TranscriptEntry, 'conversationId' | 'seq'>, status: 'sent' | 'failed', platformMessageId?: string) => {
      delivery.run(status, platformMessageId ?? null, entry.conversationId, entry.seq);
    }),
    list: read((conversationId: string, options: { limit?: number } = {}) => newest.all(conversationId, options.limit ?? -1).map(toEntry)),
  };
}

interface PlayerRow {
  id: string;
  casino_player_id: string | null;
  display_name: string | null;
  language: string | null;
  verified_at: number | null;
  created_at: number;
}

function toPlayer(row: PlayerRow): Player {
  return {
    id: row.id,
    casinoPlayerId: row.casino_player_id,
    displayName: row.display_name,
    language: row.language,
    verifiedAt: row.verified_at === null ? null : new Date(row.verified_at),
    createdAt: new Date(row.created_at),
  };
}

function players(db: Database.Database, read: Guard, write: Guard, ids: IdSource): PlayerRepository {
  const byAccount = db.prepare<[string, string], PlayerRow>(
    'SELECT p.* FROM player_accounts a JOIN players p ON p.id = a.player_id WHERE a.channel = ? AND a.user_id = ?',
  );
  const byId = db.prepare<[string], PlayerRow>('SELECT * FROM players WHERE id = ?');
  const byCasinoId = db.prepare<[string], PlayerRow>('SELECT * FROM players WHERE casino_player_id = ?');
  const insertPlayer = db.prepare('INSERT INTO players (id, display_name, created_at) VALUES (?, ?, ?)');
  const upsertAccount = db.prepare(
    'INSERT INTO player_accounts (channel, user_id, player_id) VALUES (?, ?, ?) ON CONFLICT (channel, user_id) DO UPDATE SET player_id = excluded.player_id',
  );
  const accountsOf = db.prepare<[string], { channel: string; user_id: string }>(
    'SELECT channel, user_id FROM player_accounts WHERE player_id = ? ORDER BY channel, user_id',
  );
  const update = db.prepare('UPDATE players SET casino_player_id = ?, display_name = ?, language = ?, verified_at = ? WHERE id = ?');
  const create = db.transaction((account: ChannelAccount, displayName: string | null, at: number): PlayerRow => {
    const existing = byAccount.get(account.channel, account.userId);
    if (existing) return existing;
    const id = ids();
    insertPlayer.run(id, displayName, at);
    upsertAccount.run(account.channel, account.userId, id);
    return byId.get(id) as PlayerRow;
  });
  const findByAccount = read((account: ChannelAccount) => {
    const row = byAccount.get(account.channel, account.userId);
    return row ? toPlayer(row) : undefined;
  });
  const createFor = write((account: ChannelAccount, profile: { displayName?: string; at: Date }) =>
    toPlayer(create(account, profile.displayName ?? null, profile.at.getTime())),
  );
  return {
    findOrCreateByAccount: async (account: ChannelAccount, profile: { displayName?: string; at: Date }) =>
      (await findByAccount(account)) ?? createFor(account, profile),
    get: read((id: string) => {
      const row = byId.get(id);
      return row ? toPlayer(row) : undefined;
    }),
    linkAccount: write((playerId: string, account: ChannelAccount) => {
      upsertAccount.run(account.channel, account.userId, playerId);
    }),
    findByCasinoId: read((casinoPlayerId: string) => {
      const row = byCasinoId.get(casinoPlayerId);
      return row ? toPlayer(row) : undefined;
    }),
    accounts: read((playerId: string) => accountsOf.all(playerId).map((row) => ({ channel: row.channel, userId: row.user_id }))),
    save: write((player: Player) => {
      update.run(player.casinoPlayerId, player.displayName, player.language, player.verifiedAt?.getTime() ?? null, player.id);
    }),
  };
}

interface EventRow {
  id: number;
  type: string;
  at: number;
  conversation_id: string | null;
  player_id: string | null;
  data: string | null;
}

function events(db: Database.Database, read: Guard, write: Guard): EventLog {
  const insert = db.prepare('INSERT INTO events (type, at, conversation_id, player_id, data) VALUES (?, ?, ?, ?, ?)');
  return {
    append: write((event: EventInput) => {
      insert.run(
        event.type,
        event.at.getTime(),
        event.conversationId ?? null,
        event.playerId ?? null,
        event.data ? JSON.stringify(event.data) : null,
      );
    }),
    list: read((filter: { conversationId?: string; type?: EventType; limit?: number } = {}) => {
      const where: string[] = [];
      const params: unknown[] = [];
      if (filter.conversationId !== undefined) {
        where.push('conversation_id = ?');
        params.push(filter.conversationId);
      }
      if (filter.type !== undefined) {
        where.push('type = ?');
        params.push(filter.type);
      }
      const sql = `SELECT * FROM events ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id LIMIT ?`;
      params.push(filter.limit ?? -1);
      return db
        .prepare<unknown[], EventRow>(sql)
        .all(...params)
        .map((row): StoredEvent => {
          const event: Record<string, unknown> = { id: row.id, type: row.type, at: new Date(row.at) };
          if (row.conversation_id !== null) event['conversationId'] = row.conversation_id;
          if (row.player_id !== null) event['playerId'] = row.player_id;
          if (row.data !== null) event['data'] = JSON.parse(row.data);
          return event as unknown as StoredEvent;
        });
    }),
  };
}

interface AgentRow {
  id: string;
  login: string;
  name: string;
  role: string;
  skills: string;
  languages: string;
  tier: number;
  capacity: number;
  online: number;
  password_hash: string;
  created_at: number;
  telegram_user_id: string | null;
}

function toAgent(row: AgentRow): AgentRecord {
  return {
    id: row.id,
    login: row.login,
    name: row.name,
    role: row.role as AgentRecord['role'],
    skills: JSON.parse(row.skills) as string[],
    languages: JSON.parse(row.languages) as string[],
    tier: row.tier as AgentRecord['tier'],
    capacity: row.capacity,
    online: row.online === 1,
    passwordHash: row.password_hash,
    createdAt: new Date(row.created_at),
    ...(row.telegram_user_id === null ? {} : { telegramUserId: row.telegram_user_id }),
  };
}

interface CaseTopicRow {
  case_id: string;
  chat_id: string;
  thread_id: number;
  relayed_seq: number;
  created_at: number;
  closed_at: number | null;
}

function toCaseTopic(row: CaseTopicRow): CaseTopicRecord {
  return {
    caseId: row.case_id,
    chatId: row.chat_id,
    threadId: row.thread_id,
    relayedSeq: row.relayed_seq,
    createdAt: new Date(row.created_at),
    closedAt: row.closed_at === null ? null : new Date(row.closed_at),
  };
}

interface CaseRow {
  id: string;
  conversation_id: string;
  status: string;
  agent_id: string | null;
  queued_at: number;
  closed_at: number | null;
  data: string;
}

function toCase(row: CaseRow): CaseRecord {
  return {
    id: row.id,
    conversationId: row.conversation_id,
    status: row.status as CaseRecord['status'],
    agentId: row.agent_id,
    queuedAt: new Date(row.queued_at),
    closedAt: row.closed_at === null ? null : new Date(row.closed_at),
    data: JSON.parse(row.data) as Record<string, unknown>,
  };
}

function handoff(db: Database.Database, read: Guard, write: Guard): HandoffRepository {
  const agentParams = (agent: AgentRecord) => ({
    id: agent.id,
    login: agent.login,
    name: agent.name,
    role: agent.role,
    skills: JSON.stringify(agent.skills),
    languages: JSON.stringify(agent.languages),
    tier: agent.tier,
    capacity: agent.capacity,
    online: agent.online ? 1 : 0,
    passwordHash: agent.passwordHash,
    createdAt: agent.createdAt.getTime(),
    telegramUserId: agent.telegramUserId ?? null,
  });
  const insertAgent = db.prepare(
    `INSERT INTO agents (id, login, name, role, skills, languages, tier, capacity, online, password_hash, created_at, telegram_user_id)
     VALUES (@id, @login, @name, @role, @skills, @languages, @tier, @capacity, @online, @passwordHash, @createdAt, @telegramUserId)`,
  );
  const updateAgent = db.prepare(
    `UPDATE agents SET name = @name, role = @role, skills = @skills, languages = @languages, tier = @tier, capacity = @capacity,
     online = @online, password_hash = @passwordHash, telegram_user_id = @telegramUserId WHERE id = @id`,
  );
  const agentByTelegram = db.prepare<[string], AgentRow>('SELECT * FROM agents WHERE telegram_user_id = ?');
  const telegramTaken = (agent: AgentRecord) => {
    if (agent.telegramUserId === undefined) return;
    const holder = agentByTelegram.get(agent.telegramUserId);
    if (holder && holder.id !== agent.id)
      throw new CroupierError(
        'CROUPIER_INPUT_CONFLICT',
        `the Telegram user ${agent.telegramUserId} is linked to the agent "${holder.login}" already`,
      );
  };
  const upsertTopic = db.prepare(
    `INSERT INTO case_topics (case_id, chat_id, thread_id, relayed_seq, created_at, closed_at)
     VALUES (@caseId, @chatId, @threadId, @relayedSeq, @createdAt, @closedAt)
     ON CONFLICT (case_id) DO UPDATE SET chat_id = excluded.chat_id, thread_id = excluded.thread_id,
       relayed_seq = excluded.relayed_seq, closed_at = excluded.closed_at`,
  );
  const topicOfCase = db.prepare<[string], CaseTopicRow>('SELECT * FROM case_topics WHERE case_id = ?');
  const topicByThread = db.prepare<[string, number], CaseTopicRow>('SELECT * FROM case_topics WHERE chat_id = ? AND thread_id = ?');
  const topicsOfChat = db.prepare<[string], CaseTopicRow>('SELECT * FROM case_topics WHERE chat_id = ? ORDER BY created_at, rowid');
  const openTopicsOfChat = db.prepare<[string], CaseTopicRow>(
    'SELECT * FROM case_topics WHERE chat_id = ? AND closed_at IS NULL ORDER BY created_at, rowid',
  );
  const agentById = db.prepare<[string], AgentRow>('SELECT * FROM agents WHERE id = ?');
  const agentByLogin = db.prepare<[string], AgentRow>('SELECT * FROM agents WHERE login = ?');
  const allAgents = db.prepare<[], AgentRow>('SELECT * FROM agents ORDER BY login');
  const hasLogin = db.prepare<[string], { id: string }>('SELECT id FROM agents WHERE login = ?');

  const insertSession = db.prepare('INSERT INTO agent_sessions (token_hash, agent_id, created_at, expires_at) VALUES (?, ?, ?, ?)');
  const sessionByHash = db.prepare<[string], { token_hash: string; agent_id: string; created_at: number; expires_at: number }>(
    'SELECT * FROM agent_sessions WHERE token_hash = ?',
  );
  const removeSession = db.prepare('DELETE FROM agent_sessions WHERE token_hash = ?');
  const removeExpired = db.prepare('DELETE FROM agent_sessions WHERE expires_at <= ?');
  const removeOfAgent = db.prepare('DELETE FROM agent_sessions WHERE agent_id = ?');

  const upsertCase = db.prepare(
    `INSERT INTO handoff_cases (id, conversation_id, status, agent_id, queued_at, closed_at, data)
     VALUES (@id, @conversationId, @status, @agentId, @queuedAt, @closedAt, @data)
     ON CONFLICT (id) DO UPDATE SET status = excluded.status, agent_id = excluded.agent_id, closed_at = excluded.closed_at, data = excluded.data`,
  );
  const caseById = db.prepare<[string], CaseRow>('SELECT * FROM handoff_cases WHERE id = ?');

  const insertNote = db.prepare('INSERT INTO case_notes (id, case_id, agent_id, text, at) VALUES (?, ?, ?, ?, ?)');
  const notesOf = db.prepare<[string], { id: string; case_id: string; agent_id: string; text: string; at: number }>(
    'SELECT id, case_id, agent_id, text, at FROM case_notes WHERE case_id = ? ORDER BY position',
  );

  return {
    createAgent: write((agent: AgentRecord) => {
      if (hasLogin.get(agent.login))
        throw new CroupierError('CROUPIER_INPUT_CONFLICT', `an agent with the login "${agent.login}" exists already`);
      telegramTaken(agent);
      insertAgent.run(agentParams(agent));
    }),
    saveAgent: write((agent: AgentRecord) => {
      telegramTaken(agent);
      updateAgent.run(agentParams(agent));
    }),
    getAgent: read((id: string) => {
      const row = agentById.get(id);
      return row ? toAgent(row) : undefined;
    }),
    agentByLogin: read((login: string) => {
      const row = agentByLogin.get(login);
      return row ? toAgent(row) : undefined;
    }),
    listAgents: read(() => allAgents.all().map(toAgent)),

    createSession: write((session: AgentSessionRecord) => {
      insertSession.run(session.tokenHash, session.agentId, session.createdAt.getTime(), session.expiresAt.getTime());
    }),
    getSession: read((hash: string) => {
      const row = sessionByHash.get(hash);
      return row
        ? { tokenHash: row.token_hash, agentId: row.agent_id, createdAt: new Date(row.created_at), expiresAt: new Date(row.expires_at) }
        : undefined;
    }),
    deleteSession: write((hash: string) => {
      removeSession.run(hash);
    }),
    deleteExpiredSessions: write((now: Date) => removeExpired.run(now.getTime()).changes),
    deleteAgentSessions: write((agentId: string) => removeOfAgent.run(agentId).changes),

    saveCase: write((record: CaseRecord) => {
      upsertCase.run({
        id: record.id,
        conversationId: record.conversationId,
        status: record.status,
        agentId: record.agentId,
        queuedAt: record.queuedAt.getTime(),
        closedAt: record.closedAt?.getTime() ?? null,
        data: JSON.stringify(record.data),
      });
    }),
    getCase: read((id: string) => {
      const row = caseById.get(id);
      return row ? toCase(row) : undefined;
    }),
    listCases: read((filter: { status?: CaseRecord['status'][]; agentId?: string; closedSince?: Date; limit?: number } = {}) => {
      const where: string[] = [];
      const params: unknown[] = [];
      if (filter.status !== undefined) {
        if (filter.status.length === 0) return [];
        where.push(`status IN (${filter.status.map(() => '?').join(', ')})`);
        params.push(...filter.status);
      }
      if (filter.agentId !== undefined) {
        where.push('agent_id = ?');
        params.push(filter.agentId);
      }
      if (filter.closedSince !== undefined) {
        where.push('closed_at >= ?');
        params.push(filter.closedSince.getTime());
      }
      const sql = `SELECT * FROM (SELECT *, rowid AS row_order FROM handoff_cases ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY queued_at DESC, rowid DESC LIMIT ?) ORDER BY queued_at, row_order`;
      params.push(filter.limit ?? -1);
      return db
        .prepare<unknown[], CaseRow>(sql)
        .all(...params)
        .map(toCase);
    }),

    addNote: write((note: NoteRecord) => {
      insertNote.run(note.id, note.caseId, note.agentId, note.text, note.at.getTime());
    }),
    listNotes: read((caseId: string) =>
      notesOf.all(caseId).map((row) => ({ id: row.id, caseId: row.case_id, agentId: row.agent_id, text: row.text, at: new Date(row.at) })),
    ),

    agentByTelegramUser: read((telegramUserId: string) => {
      const row = agentByTelegram.get(telegramUserId);
      return row ? toAgent(row) : undefined;
    }),
    saveCaseTopic: write((record: CaseTopicRecord) => {
      const holder = topicByThread.get(record.chatId, record.threadId);
      if (holder && holder.case_id !== record.caseId)
        throw new CroupierError('CROUPIER_INPUT_CONFLICT', `topic ${record.threadId} of chat ${record.chatId} belongs to another case`);
      upsertTopic.run({
        caseId: record.caseId,
        chatId: record.chatId,
        threadId: record.threadId,
        relayedSeq: record.relayedSeq,
        createdAt: record.createdAt.getTime(),
        closedAt: record.closedAt?.getTime() ?? null,
      });
    }),
    caseTopic: read((caseId: string) => {
      const row = topicOfCase.get(caseId);
      return row ? toCaseTopic(row) : undefined;
    }),
    caseTopicByThread: read((chatId: string, threadId: number) => {
      const row = topicByThread.get(chatId, threadId);
      return row ? toCaseTopic(row) : undefined;
    }),
    listCaseTopics: read((chatId: string, filter: { open?: boolean } = {}) =>
      (filter.open ? openTopicsOfChat : topicsOfChat).all(chatId).map(toCaseTopic),
    ),
  };
}
