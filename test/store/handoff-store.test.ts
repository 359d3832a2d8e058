import { join } from 'node:path';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { tempDir } from '../support/server.js';
import { describeHandoffContract } from './handoff-contract.js';

describeHandoffContract('sqlite :memory:', async () => ({ store: openSqliteStore({ file: ':memory:' }) }));

describeHandoffContract('sqlite file', async () => {
  const file = join(tempDir('croupier-handoff-store-'), 'croupier.db');
  return { store: openSqliteStore({ file }), reopen: async () => openSqliteStore({ file }) };
});
