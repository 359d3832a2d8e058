import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock, sequentialIds } from '../../src/core/clock.js';
import { linkVerifiedAccount } from '../../src/core/identity.js';
import type { ChannelAccount } from '../../src/core/message.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import type { Store } from '../../src/store/store.js';

const telegram: ChannelAccount = { channel: 'telegram', userId: '777' };
const web: ChannelAccount = { channel: 'web', userId: 'visitor-1' };

describe('linkVerifiedAccount', () => {
  let store: Store;
  let clock: ManualClock;

  beforeEach(() => {
    store = openSqliteStore({ file: ':memory:', ids: sequentialIds('player') });
    clock = new ManualClock('2026-03-01T09:00:00Z');
  });

  afterEach(async () => {
    await store.close();
  });

  it('marks a first-time player verified as the casino id', async () => {
    const anonymous = await store.players.findOrCreateByAccount(telegram, { at: clock.now() });
    clock.advance(60_000);
    const player = await linkVerifiedAccount(store.players, telegram, 'P-1001', clock.now());
    expect(player.id).toBe(anonymous.id);
    expect(player.casinoPlayerId).toBe('P-1001');
    expect(player.verifiedAt?.getTime()).toBe(clock.now().getTime());
    // persisted, not only returned
    expect(await store.players.get(player.id)).toMatchObject({ casinoPlayerId: 'P-1001', verifiedAt: clock.now() });
    expect((await store.players.findByCasinoId('P-1001'))?.id).toBe(player.id);
  });

  it('creates the player when the account was never seen, with the display name', async () => {
    const player = await linkVerifiedAccount(store.players, web, 'P-5', clock.now(), 'Ana');
    expect(player).toMatchObject({ id: 'player-1', casinoPlayerId: 'P-5', displayName: 'Ana' });
    expect(await store.players.accounts(player.id)).toEqual([web]);
  });

  it('keeps a display name the player already has', async () => {
    await store.players.findOrCreateByAccount(web, { displayName: 'Ana G.', at: clock.now() });
    const player = await linkVerifiedAccount(store.players, web, 'P-5', clock.now(), 'Ana from the site');
    expect(player.displayName).toBe('Ana G.');
    expect((await store.players.get(player.id))?.displayName).toBe('Ana G.');
  });

  it('fills a missing display name from the verification', async () => {
    await store.players.findOrCreateByAccount(web, { at: clock.now() });
    const player = await linkVerifiedAccount(store.players, web, 'P-5', clock.now(), 'Ana');
    expect((await store.players.get(player.id))?.displayName).toBe('Ana');
  });

  it('links a second channel account to the player already verified as that casino id', async () => {
    const verified = await linkVerifiedAccount(store.players, telegram, 'P-1001', clock.now());
    const anonymousOnWeb = await store.players.findOrCreateByAccount(web, { at: clock.now() });
    expect(anonymousOnWeb.id).not.toBe(verified.id);

    clock.advance(3_600_000);
    const linked = await linkVerifiedAccount(store.players, web, 'P-1001', clock.now());
    expect(linked.id).toBe(verified.id);
    expect((await store.players.findOrCreateByAccount(web, { at: clock.now() })).id).toBe(verified.id);
    expect(await store.players.accounts(verified.id)).toEqual(expect.arrayContaining([telegram, web]));
    // verification time is the first one; the casino id stays unique
    expect((await store.players.get(verified.id))?.verifiedAt?.getTime()).toBe(verified.verifiedAt?.getTime());
    expect((await store.players.findByCasinoId('P-1001'))?.id).toBe(verified.id);
  });

  it('verifying the same account again is idempotent', async () => {
    const first = await linkVerifiedAccount(store.players, telegram, 'P-1', clock.now());
    const second = await linkVerifiedAccount(store.players, telegram, 'P-1', clock.now());
    expect(second.id).toBe(first.id);
    expect(await store.players.accounts(first.id)).toEqual([telegram]);
  });

  it('two different casino ids stay two players', async () => {
    const a = await linkVerifiedAccount(store.players, telegram, 'P-1', clock.now());
    const b = await linkVerifiedAccount(store.players, web, 'P-2', clock.now());
    expect(a.id).not.toBe(b.id);
  });
});
