import type { Stage } from '../compose.js';
import type { Turn } from '../turn.js';

/**
 * The hand-off desk as the pipeline sees it (src/handoff implements it): while a person has the
 * conversation (queued or with an agent) the player's message goes to them instead of the bot,
 * and right after a case closes, the answer to the rating question is taken here.
 */
export interface HandoffRouter {
  /**
   * Takes the turn's message when it belongs to the people side; resolves `true` when it did (the
   * bot then stays out, replies may have been added), `false` to let the bot answer. Keeps
   * `turn.conversation.status` in step with the desk.
   */
  route(turn: Turn): Promise<boolean>;
}

/** Between the conversation stage (the message is stored) and the bot. Passes everything on when there is no desk. */
export function handoffStage(router: () => HandoffRouter | undefined): Stage<Turn> {
  return {
    name: 'handoff',
    requires: ['conversation'],
    async run(turn, next) {
      const desk = router();
      if (desk && (await desk.route(turn))) return;
      await next();
    },
  };
}
