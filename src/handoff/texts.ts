import type { Logger } from 'pino';
import type { Catalogue } from '../dialogue/catalogue.js';
import { renderTemplate } from '../dialogue/template.js';
import type { DeskTexts } from './desk.js';

/**
 * The desk's texts from the content's catalogues (read on every use, so hot reload applies):
 * `handoff.*` and `csat.*` for players, `canned.<id>.title` / `canned.<id>.text` for agents.
 */
export function catalogueTexts(catalogue: () => Catalogue, log: Logger): DeskTexts {
  return {
    say(language, key, data = {}) {
      return renderTemplate(catalogue().text(language, key), data, language, (path) =>
        log.warn({ code: 'CROUPIER_CONTENT_INVALID', key, path }, 'text refers to a missing value'),
      );
    },
    canned(language) {
      const current = catalogue();
      const ids = new Set<string>();
      for (const key of current.keys()) {
        const match = /^canned\.([a-z0-9_]+)\.text$/.exec(key);
        if (match?.[1] && current.has(current.fallback, `canned.${match[1]}.title`)) ids.add(match[1]);
      }
      return [...ids].map((id) => ({
        id,
        title: current.text(language, `canned.${id}.title`),
        text: current.text(language, `canned.${id}.text`),
      }));
    },
  };
}
