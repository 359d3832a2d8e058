import type { ChannelAccount } from './message.js';
import type { Player, PlayerRepository } from '../store/store.js';

/**
 * Links a channel account to the casino player it was verified as (signed token, one-time code).
 * If another channel account was verified as the same casino player before, this account joins
 * that player, so the person is one player across Telegram, WhatsApp and the web.
 *
 * @example await linkVerifiedAccount(store.players, { channel: 'web', userId }, 'P-1001', now)
 */
export async function linkVerifiedAccount(
  players: PlayerRepository,
  account: ChannelAccount,
  casinoPlayerId: string,
  at: Date,
  displayName?: string,
): Promise<Player> {
  const known = await players.findByCasinoId(casinoPlayerId);
  if (known) {
    await players.linkAccount(known.id, account);
    return known;
  }
  const player = await players.findOrCreateByAccount(account, displayName === undefined ? { at } : { displayName, at });
  player.casinoPlayerId = casinoPlayerId;
  player.verifiedAt = at;
  if (displayName !== undefined && player.displayName === null) player.displayName = displayName;
  await players.save(player);
  return player;
}
