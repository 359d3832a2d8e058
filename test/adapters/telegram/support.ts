import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export type Update = Record<string, unknown> & { update_id: number };

/** A recorded Update payload from `updates/`, as a fresh copy, optionally changed by `edit`. */
export function recorded(name: string, edit: (update: UpdateShape) => void = () => {}): Update {
  const update = JSON.parse(readFileSync(join(import.meta.dirname, 'updates', `${name}.json`), 'utf8')) as UpdateShape;
  edit(update);
  return update as unknown as Update;
}

/** Just enough typing to edit the recorded payloads in tests. */
export interface UpdateShape {
  update_id: number;
  message: { message_id: number; text?: string; chat: { id: number }; from: { id: number } };
  callback_query: { id: string; data: string; message: { reply_markup: { inline_keyboard: { text: string; callback_data: string }[][] } } };
}

export const BOT_TOKEN = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw';
export const WEBHOOK_SECRET = 'wh-secret_for-tests-0123456789';
export const PLAYER_TOKEN_SECRET = 'player-token-secret-for-tests';
/** The private chat (and user) of the recorded payloads. */
export const CHAT_ID = 412345678;
