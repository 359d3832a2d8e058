import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import pino from 'pino';
import { z } from 'zod';
import { ManualClock, sequentialIds, type Clock } from '../core/clock.js';
import type { ContentIssue } from '../core/content-issue.js';
import type { Inbound, Outbound } from '../core/message.js';
import { Pipeline } from '../core/pipeline.js';
import type { Bot } from '../core/stages/bot.js';
import { parseYamlWithSchema } from '../config/yaml-source.js';
import { openSqliteStore } from '../store/sqlite-store.js';
import type { Store } from '../store/store.js';
import { fold } from './answer.js';
import type { Catalogue } from './catalogue.js';

/**
 * Conversation tests for content teams: `flows/tests/*.test.yaml`, each a list of conversations
 * with a language, a player, and turns of what the player says and what the bot must do.
 * `croupier test` runs them through the real pipeline and flow engine with the demo back office and
 * prints a readable diff for every failure.
 */
const expectation = z
  .object({
    says: z.array(z.string().min(1)).optional().describe('Each text must appear in one of the replies (case and accents ignored)'),
    equals: z.array(z.string()).optional().describe('The replies, exactly and in order'),
    not_says: z.array(z.string().min(1)).optional().describe('None of the replies may contain these'),
    buttons: z.array(z.string()).optional().describe('Button labels offered with the last reply, exactly'),
    flow: z.string().optional().describe('A flow that starts in this turn'),
    handoff: z
      .union([z.literal(true), z.string()])
      .optional()
      .describe('The conversation is handed to a human (optionally: to this skill)'),
    ends: z.enum(['resolved', 'unresolved']).optional().describe('A flow ends with this outcome in this turn'),
  })
  .strict();

const turnSchema = z
  .object({
    user: z.string().optional().describe('What the player types'),
    press: z.string().optional().describe('The label of a button the player presses (from the last bot reply)'),
    expect: expectation,
  })
  .strict()
  .refine((turn) => (turn.user === undefined) !== (turn.press === undefined), { message: 'a turn has either `user` or `press`' });

export const conversationTestFileSchema = z
  .object({
    $schema: z.string().optional(),
    tests: z
      .array(
        z
          .object({
            name: z.string().min(1),
            language: z.string().regex(/^[a-z]{2,3}$/),
            player: z
              .object({
                casino_id: z.string().optional().describe('A player of the back office (the demo directory by default)'),
                verified: z.boolean().optional().describe('Linked and verified (default: true when casino_id is given)'),
              })
              .strict()
              .default({}),
            channel: z.string().default('web'),
            turns: z.array(turnSchema).min(1),
          })
          .strict(),
      )
      .min(1),
  })
  .strict();

export type ConversationTestFile = z.output<typeof conversationTestFileSchema>;
export type ConversationTest = ConversationTestFile['tests'][number];

export interface LoadedTest {
  readonly file: string;
  readonly line: number;
  readonly test: ConversationTest;
}

/** Reads every `*.test.yaml` under `dir`; schema problems come back as issues with positions. */
export function loadConversationTests(dir: string, rootDir: string): { tests: LoadedTest[]; issues: ContentIssue[] } {
  const tests: LoadedTest[] = [];
  const issues: ContentIssue[] = [];
  const names = existsSync(dir)
    ? readdirSync(dir)
        .filter((name) => name.endsWith('.test.yaml'))
        .sort()
    : [];
  for (const name of names) {
    const file = relative(rootDir, join(dir, name)) || name;
    const {
      value,
      issues: fileIssues,
      locate,
    } = parseYamlWithSchema(readFileSync(join(dir, name), 'utf8'), file, conversationTestFileSchema);
    issues.push(...fileIssues);
    value?.tests.forEach((test, index) => tests.push({ file, line: locate(['tests', index]).line, test }));
  }
  return { tests, issues };
}

/** What the runner needs to build a bot for one isolated conversation. */
export interface TestWorld {
  readonly catalogue: Catalogue;
  /** Builds the bot over this test's own store and clock. */
  makeBot(store: Store, clock: Clock): Bot;
}

export interface TestResult {
  readonly file: string;
  readonly line: number;
  readonly name: string;
  readonly language: string;
  readonly passed: boolean;
  /** Human-readable explanation of the first failing turn, with expected and actual. */
  readonly failure?: string;
}

/** Runs one conversation test in a fresh in-memory store. */
export async function runConversationTest(loaded: LoadedTest, world: TestWorld): Promise<TestResult> {
  const { test } = loaded;
  const store = openSqliteStore({ file: ':memory:', ids: sequentialIds('t') });
  const clock = new ManualClock('2026-03-02T10:00:00Z');
  let lastReply: Extract<Outbound, { kind: 'text' }> | undefined;
  const bot = world.makeBot(store, clock);
  const pipeline = new Pipeline({
    store,
    log: pino({ level: 'silent' }),
    clock,
    ids: sequentialIds('turn'),
    deliver: async () => undefined,
    bot: () => bot,
    texts: (language, key) => world.catalogue.text(language, `system.${key}`),
    languages: {
      supported: () => world.catalogue.languages,
      fallback: world.catalogue.languages.includes('en') ? 'en' : (world.catalogue.languages[0] ?? 'en'),
    },
    rateLimit: { burst: 1000, perMinute: 1000 },
  });
  const result = (passed: boolean, failure?: string): TestResult => ({
    file: loaded.file,
    line: loaded.line,
    name: test.name,
    language: test.language,
    passed,
    ...(failure ? { failure } : {}),
  });
  try {
    const account = { channel: test.channel, userId: 'test-player' };
    const player = await store.players.findOrCreateByAccount(account, { at: clock.now() });
    player.language = test.language;
    if (test.player.casino_id && test.player.verified !== false) {
      player.casinoPlayerId = test.player.casino_id;
      player.verifiedAt = clock.now();
    }
    await store.players.save(player);

    for (const [index, turn] of test.turns.entries()) {
      clock.advance(30_000);
      let payload: string | undefined;
      if (turn.press !== undefined) {
        const wanted = fold(turn.press);
        payload = lastReply?.buttons?.find((button) => fold(button.label) === wanted)?.payload;
        if (!payload) {
          return result(
            false,
            `turn ${index + 1}: there is no button "${turn.press}"; buttons were: ${JSON.stringify(lastReply?.buttons?.map((b) => b.label) ?? [])}`,
          );
        }
      }
      const inbound: Inbound = {
        platformMessageId: `turn-${index}`,
        channel: test.channel,
        conversationKey: 'test-conversation',
        sender: { ...account, localeHint: test.language },
        ...(turn.user !== undefined ? { text: turn.user } : {}),
        ...(payload !== undefined ? { text: turn.press ?? '', payload } : {}),
        attachments: [],
        receivedAt: clock.now(),
      };
      const eventsBefore = (await store.events.list()).length;
      const outcome = await pipeline.handle(inbound);
      const events = (await store.events.list()).slice(eventsBefore);
      const replies = outcome.replies.map((entry) => ({ text: entry.text ?? '', buttons: entry.buttons ?? [] }));
      const last = replies.at(-1);
      lastReply = last ? { kind: 'text', text: last.text, buttons: last.buttons, author: 'bot' } : undefined;
      const problems = check(
        turn.expect,
        replies,
        events.map((e) => ({ type: e.type, data: e.data ?? {} })),
        outcome.failed,
      );
      if (problems.length > 0) {
        const said = turn.user !== undefined ? `player: ${turn.user}` : `player presses: ${turn.press ?? ''}`;
        const actual =
          replies
            .map((reply) => `    bot: ${reply.text}${reply.buttons.length ? `  [${reply.buttons.map((b) => b.label).join(' | ')}]` : ''}`)
            .join('\n') || '    (no reply)';
        const happened = events
          .filter((e) => e.type === 'flow.started' || e.type === 'flow.ended' || e.type === 'handoff.requested')
          .map((e) => `${e.type} ${JSON.stringify(e.data ?? {})}`)
          .join(', ');
        return result(
          false,
          `turn ${index + 1} (${said}):\n${problems.map((p) => `  ✗ ${p}`).join('\n')}\n  actual:\n${actual}${happened ? `\n  events: ${happened}` : ''}`,
        );
      }
    }
    return result(true);
  } finally {
    await pipeline.drain();
    await store.close();
  }
}

function check(
  expect: ConversationTest['turns'][number]['expect'],
  replies: { text: string; buttons: readonly { label: string }[] }[],
  events: { type: string; data: Record<string, unknown> }[],
  failed: boolean,
): string[] {
  const problems: string[] = [];
  if (failed) problems.push('the turn failed (the player got the apology)');
  const all = replies.map((reply) => fold(reply.text));
  for (const wanted of expect.says ?? []) {
    if (!all.some((text) => text.includes(fold(wanted)))) problems.push(`expected a reply containing "${wanted}"`);
  }
  for (const unwanted of expect.not_says ?? []) {
    if (all.some((text) => text.includes(fold(unwanted)))) problems.push(`expected no reply containing "${unwanted}"`);
  }
  if (expect.equals && JSON.stringify(expect.equals) !== JSON.stringify(replies.map((r) => r.text))) {
    problems.push(`expected exactly ${JSON.stringify(expect.equals)}`);
  }
  if (expect.buttons) {
    const labels = replies.at(-1)?.buttons.map((b) => b.label) ?? [];
    if (JSON.stringify(labels) !== JSON.stringify(expect.buttons))
      problems.push(`expected buttons ${JSON.stringify(expect.buttons)}, got ${JSON.stringify(labels)}`);
  }
  if (expect.flow && !events.some((e) => e.type === 'flow.started' && e.data['flow'] === expect.flow)) {
    problems.push(`expected flow "${expect.flow}" to start`);
  }
  if (expect.handoff !== undefined) {
    const handoff = events.find((e) => e.type === 'handoff.requested');
    if (!handoff) problems.push('expected a hand-off to a human');
    else if (typeof expect.handoff === 'string' && handoff.data['skill'] !== expect.handoff)
      problems.push(`expected a hand-off to "${expect.handoff}", got "${String(handoff.data['skill'])}"`);
  }
  if (expect.ends && !events.some((e) => e.type === 'flow.ended' && e.data['outcome'] === expect.ends)) {
    problems.push(`expected a flow to end ${expect.ends}`);
  }
  return problems;
}
