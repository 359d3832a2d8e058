import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runAgentsAdd, runAgentsList, runAgentsTelegram, type Io } from '../../src/cli/commands/agents.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { tempDir } from '../support/server.js';

function io(stdin = ''): Io & { out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  return { stdin: Readable.from([Buffer.from(stdin)]), stdout, stderr, env: {}, out: () => out, err: () => err };
}

const base = { name: 'Dana', role: 'agent', skills: 'general', languages: 'en', tier: '1', passwordStdin: true };

async function telegramIdOf(dataDir: string, login: string): Promise<string | undefined> {
  const store = openSqliteStore({ file: join(dataDir, 'croupier.db') });
  try {
    return (await store.handoff.agentByLogin(login))?.telegramUserId;
  } finally {
    await store.close();
  }
}

describe('croupier agents: Telegram accounts', () => {
  it('adds an agent with --telegram-user-id, lists it, and refuses a @username or a taken id', async () => {
    const dataDir = tempDir('croupier-agents-tg-');
    const run = io('a long enough password');
    expect(await runAgentsAdd({ ...base, login: 'dana', telegramUserId: '555001', dataDir }, run)).toBe(0);
    expect(run.out()).toContain(', Telegram user 555001');
    expect(await telegramIdOf(dataDir, 'dana')).toBe('555001');
    const listed = io();
    expect(await runAgentsList({ dataDir }, listed)).toBe(0);
    expect(listed.out()).toMatch(/^dana\tDana\tagent\ttier 1\tgeneral\ten\tcapacity 5\ttelegram 555001\n$/);

    const username = io('a long enough password');
    expect(await runAgentsAdd({ ...base, login: 'omar', telegramUserId: '@omar', dataDir }, username)).toBe(1);
    expect(username.err()).toMatch(/CROUPIER_INPUT_INVALID: the Telegram user id is the number/);
    const taken = io('a long enough password');
    expect(await runAgentsAdd({ ...base, login: 'omar', telegramUserId: '555001', dataDir }, taken)).toBe(1);
    expect(taken.err()).toMatch(/CROUPIER_INPUT_CONFLICT: the Telegram user 555001 is linked to the agent "dana" already/);
    expect(await telegramIdOf(dataDir, 'omar')).toBeUndefined();
  });

  it('links an existing agent, and unlinks it', async () => {
    const dataDir = tempDir('croupier-agents-tg-');
    expect(await runAgentsAdd({ ...base, login: 'dana', dataDir }, io('a long enough password'))).toBe(0);
    expect(await telegramIdOf(dataDir, 'dana')).toBeUndefined();

    const linked = io();
    expect(await runAgentsTelegram({ login: 'dana', userId: '555001', dataDir }, linked)).toBe(0);
    expect(linked.out()).toContain('"dana" answers in the agents\' Telegram group as user 555001');
    expect(await telegramIdOf(dataDir, 'dana')).toBe('555001');

    expect(await runAgentsTelegram({ login: 'dana', remove: true, dataDir }, io())).toBe(0);
    expect(await telegramIdOf(dataDir, 'dana')).toBeUndefined();

    for (const [options, code] of [
      [{ login: 'nobody', userId: '1' }, 'CROUPIER_INPUT_NOT_FOUND'],
      [{ login: 'dana' }, 'CROUPIER_INPUT_INVALID'],
      [{ login: 'dana', userId: '1', remove: true }, 'CROUPIER_INPUT_INVALID'],
      [{ login: 'dana', userId: '-5' }, 'CROUPIER_INPUT_INVALID'],
    ] as const) {
      const run = io();
      expect(await runAgentsTelegram({ ...options, dataDir }, run)).toBe(1);
      expect(run.err()).toContain(code);
    }
  });
});
