import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { runAgentsAdd, runAgentsList, runAgentsPassword, type Io } from '../../src/cli/commands/agents.js';
import { ManualClock, sequentialIds } from '../../src/core/clock.js';
import { seedDemoAgents } from '../../src/handoff/agents.js';
import { verifyPassword } from '../../src/handoff/passwords.js';
import type { CroupierHandle } from '../../src/server/runtime.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { startTestServer, tempDir } from '../support/server.js';

function io(stdin: string): Io & { out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  return { stdin: Readable.from([Buffer.from(stdin)]), stdout, stderr, env: {}, out: () => out, err: () => err };
}

const base = { name: 'María López', role: 'agent', skills: 'general, payments', languages: 'es,en', tier: '2', passwordStdin: true };

describe('croupier agents add', () => {
  it('adds an agent with a scrypt-hashed password read from stdin, and lists it', async () => {
    const dataDir = tempDir('croupier-agents-');
    const run = io('a long enough password\n');
    expect(await runAgentsAdd({ ...base, login: 'maria', dataDir }, run)).toBe(0);
    expect(run.out()).toContain('added agent "maria" (María López): tier 2, skills general, payments, languages es, en, capacity 5');
    expect(run.out()).not.toContain('a long enough password');
    const store = openSqliteStore({ file: join(dataDir, 'croupier.db') });
    const agent = await store.handoff.agentByLogin('maria');
    await store.close();
    expect(agent).toMatchObject({ role: 'agent', tier: 2, skills: ['general', 'payments'], languages: ['es', 'en'], online: false });
    expect(agent?.passwordHash).toMatch(/^scrypt\$/);
    expect(await verifyPassword('a long enough password', agent!.passwordHash)).toBe(true);
    const listed = io('');
    expect(await runAgentsList({ dataDir }, listed)).toBe(0);
    expect(listed.out()).toMatch(/^maria\tMaría López\tagent\ttier 2\tgeneral,payments\tes,en\tcapacity 5\n$/);
  });

  it('refuses a taken login, a short password, a bad role or tier, with a code and exit code 1', async () => {
    const dataDir = tempDir('croupier-agents-');
    expect(await runAgentsAdd({ ...base, login: 'maria', dataDir }, io('a long enough password'))).toBe(0);
    const cases: [Partial<typeof base> & { login: string }, string, string][] = [
      [{ login: 'maria' }, 'a long enough password', 'CROUPIER_INPUT_CONFLICT'],
      [{ login: 'new' }, 'short', 'CROUPIER_INPUT_INVALID'],
      [{ login: 'new', role: 'boss' }, 'a long enough password', 'CROUPIER_INPUT_INVALID'],
      [{ login: 'new', tier: '4' }, 'a long enough password', 'CROUPIER_INPUT_INVALID'],
      [{ login: 'Bad Login' }, 'a long enough password', 'CROUPIER_INPUT_INVALID'],
    ];
    for (const [options, password, code] of cases) {
      const run = io(password);
      expect(await runAgentsAdd({ ...base, ...options, dataDir }, run)).toBe(1);
      expect(run.err()).toContain(code);
      expect(run.err()).not.toContain(password === 'short' ? 'short,' : password);
    }
  });

  it('sets a new password and ends the open sessions', async () => {
    const dataDir = tempDir('croupier-agents-');
    expect(await runAgentsAdd({ ...base, login: 'maria', dataDir }, io('a long enough password'))).toBe(0);
    const file = join(dataDir, 'croupier.db');
    const before = openSqliteStore({ file });
    const id = (await before.handoff.agentByLogin('maria'))!.id;
    await before.handoff.createSession({ tokenHash: 't', agentId: id, createdAt: new Date(), expiresAt: new Date(Date.now() + 3_600_000) });
    await before.close();
    const run = io('another good password');
    expect(await runAgentsPassword({ login: 'maria', passwordStdin: true, dataDir }, run)).toBe(0);
    expect(run.out()).not.toContain('another good password');
    const after = openSqliteStore({ file });
    const agent = await after.handoff.agentByLogin('maria');
    expect(await verifyPassword('another good password', agent!.passwordHash)).toBe(true);
    expect(await after.handoff.getSession('t')).toBeUndefined();
    await after.close();
    const missing = io('another good password');
    expect(await runAgentsPassword({ login: 'nobody', passwordStdin: true, dataDir }, missing)).toBe(1);
    expect(missing.err()).toContain('CROUPIER_INPUT_NOT_FOUND');
  });

  it('asks on a terminal only: without one and without --password-stdin it explains what to do', async () => {
    const run = io('');
    expect(await runAgentsAdd({ ...base, passwordStdin: false, login: 'x1', dataDir: tempDir('croupier-agents-') }, run)).toBe(1);
    expect(run.err()).toContain('--password-stdin');
  });
});

describe('demo agents', () => {
  const running: CroupierHandle[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((app) => app.close()));
  });

  it('are created only when there are no agents, with a random password unless one is given', async () => {
    const store = openSqliteStore({ file: ':memory:' });
    const context = { ids: sequentialIds('a'), clock: new ManualClock(), defaultCapacity: 5, languages: ['en', 'es'] };
    const seeded = await seedDemoAgents(store, context);
    expect(seeded).toMatchObject({ logins: ['agent', 'supervisor'], generated: true });
    expect(seeded!.password).toMatch(/^[\w-]{16}$/);
    const agents = await store.handoff.listAgents();
    expect(agents.map((a) => [a.login, a.role, a.tier])).toEqual([
      ['agent', 'agent', 1],
      ['supervisor', 'supervisor', 3],
    ]);
    expect(await verifyPassword(seeded!.password, agents[0]!.passwordHash)).toBe(true);
    expect(await seedDemoAgents(store, context)).toBeUndefined();
    await store.close();
    const other = openSqliteStore({ file: ':memory:' });
    const again = await seedDemoAgents(other, context);
    expect(again!.password).not.toBe(seeded!.password);
    await other.close();
  });

  it('are seeded by the server at start, and not with handoff.demoAgents: false', async () => {
    const app = await startTestServer({ handoffTickMs: 0 });
    running.push(app);
    expect((await app.store.handoff.listAgents()).map((a) => a.login)).toEqual(['agent', 'supervisor']);
    const off = await startTestServer({ handoffTickMs: 0, yaml: 'handoff:\n  demoAgents: false\n' });
    running.push(off);
    expect(await off.store.handoff.listAgents()).toEqual([]);
  });
});
