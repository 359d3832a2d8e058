import type { Stage } from '../compose.js';
import type { Turn } from '../turn.js';

/**
 * The bot logic the pipeline calls last: language, NLU and flows live behind this interface, in
 * src/nlu and src/dialogue, and know nothing of channels or HTTP.
 */
export interface Bot {
  respond(turn: Turn): Promise<void>;
}

/** `current` is read on every turn, so hot reload can swap the bot atomically. */
export function botStage(bot: () => Bot): Stage<Turn> {
  return {
    name: 'bot',
    requires: ['conversation'],
    run(turn) {
      return bot().respond(turn);
    },
  };
}
