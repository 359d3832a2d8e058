import { existsSync } from 'node:fs';
import { expect } from 'vitest';

/**
 * How the browser tests run Debian's Chromium (never a downloaded browser): the path, whether it
 * is there, and the flags that keep it from reaching for the network this machine does not have.
 */
export const CHROMIUM = '/usr/bin/chromium';
export const chromiumAvailable = existsSync(CHROMIUM);

/** The reason a suite is skipped without Chromium, printed once per suite. */
export function skipWithoutChromium(suite: string): string {
  const reason = `${CHROMIUM} is missing (apt-get install -y chromium); ${suite} e2e tests skipped`;
  if (!chromiumAvailable) console.warn(reason);
  return reason;
}

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-quic',
  '--no-first-run',
  '--disable-sync',
];

/** The widget's stable selectors (data-croupier attributes in adapters/web/public/widget.js). */
export const widgetSelectors = {
  launcher: '[data-croupier="launcher"]',
  panel: '[data-croupier="panel"]',
  input: '[data-croupier="input"]',
  send: '[data-croupier="send"]',
  status: '[data-croupier="status"]',
  quickReply: '[data-croupier="quick-reply"]',
  message: (author?: string) => `[data-croupier="message"]${author ? `[data-author="${author}"]` : ''}`,
};

/**
 * A waiting assertion on a state the page reaches: reads `read` again until the matcher passes or
 * 10 s are up (vitest's poll defaults to 1 s, too short on a loaded 2-core machine). Browser tests
 * assert through this, never on a value read once right after some other event: a socket event, a
 * re-render or a POST resolving later would make such a read a race.
 *
 * @example await eventually(() => page.inputValue('#reply')).toBe('')
 */
export function eventually<T>(read: () => T | Promise<T>) {
  return expect.poll(read, { timeout: 10_000, interval: 50 });
}
