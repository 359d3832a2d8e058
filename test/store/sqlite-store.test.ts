import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { sequentialIds } from '../../src/core/clock.js';
import { isCroupierError } from '../../src/core/errors.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { tempDir } from '../support/server.js';
import { describeStoreContract } from './store-contract.js';

describeStoreContract('sqlite :memory:', async () => ({ store: openSqliteStore({ file: ':memory:' }) }));

describeStoreContract('sqlite file', async () => {
  const file = join(tempDir('croupier-store-'), 'nested', 'croupier.db');
  return { store: openSqliteStore({ file }), reopen: async () => openSqliteStore({ file }) };
});

function openError(file: string): unknown {
  try {
    openSqliteStore({ file });
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('sqlite store specifics', () => {
  it('migrates the schema (user_version) once, and reopening does not migrate again', async () => {
    const file = join(tempDir('croupier-store-'), 'croupier.db');
    const store = openSqliteStore({ file });
    await store.receipts.claim('web', 'm-1', new Date(0));
    await store.close();
    const db = new Database(file);
    const version = db.pragma('user_version', { simple: true }) as number;
    expect(version).toBeGreaterThan(0);
    const tables = db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all();
    expect(tables.map((table) => table.name)).toEqual(
      expect.arrayContaining(['conversations', 'events', 'player_accounts', 'players', 'receipts', 'transcript']),
    );
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();

    const again = openSqliteStore({ file });
    expect(await again.receipts.claim('web', 'm-1', new Date(0))).toBe(false);
    await again.close();
    const check = new Database(file, { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(version);
    check.close();
  });

  it('creates the parent directory of the database file', async () => {
    const file = join(tempDir('croupier-store-'), 'a', 'b', 'croupier.db');
    const store = openSqliteStore({ file });
    await expect(store.ping()).resolves.toBeUndefined();
    await store.close();
  });

  it('uses the injected id source', async () => {
    const store = openSqliteStore({ file: ':memory:', ids: sequentialIds('p') });
    const player = await store.players.findOrCreateByAccount({ channel: 'web', userId: 'v' }, { at: new Date(0) });
    expect(player.id).toBe('p-1');
    await store.close();
  });

  it('makes a group of writes visible to another connection once durable() resolves', async () => {
    const file = join(tempDir('croupier-store-'), 'croupier.db');
    const store = openSqliteStore({ file });
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.receipts.claim('web', `m${i}`, new Date(0))));
    await store.durable();
    const other = new Database(file, { readonly: true });
    expect(other.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM receipts').get()?.n).toBe(20);
    other.close();
    await store.close();
  });

  it('throws CROUPIER_STORE_UNAVAILABLE when the directory cannot be created (a file is in the way)', () => {
    const dir = tempDir('croupier-store-');
    writeFileSync(join(dir, 'not-a-dir'), 'x');
    const error = openError(join(dir, 'not-a-dir', 'data', 'croupier.db'));
    expect(isCroupierError(error, 'CROUPIER_STORE_UNAVAILABLE'), String(error)).toBe(true);
  });

  it('throws CROUPIER_STORE_UNAVAILABLE when the path is not a database', () => {
    const dir = tempDir('croupier-store-');
    const error = openError(dir); // a directory, not a file
    expect(isCroupierError(error, 'CROUPIER_STORE_UNAVAILABLE'), String(error)).toBe(true);
  });

  it('throws CROUPIER_STORE_UNAVAILABLE for a file that is not SQLite', () => {
    const file = join(tempDir('croupier-store-'), 'croupier.db');
    writeFileSync(file, 'this is not a database, just some text that is long enough to have a header'.repeat(20));
    const error = openError(file);
    expect(isCroupierError(error, 'CROUPIER_STORE_UNAVAILABLE'), String(error)).toBe(true);
  });
});
