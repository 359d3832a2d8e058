import type { Command } from 'commander';
import { EVENT_TYPES, TOKEN_VARIABLE, ViberApi } from '../../../adapters/viber/api.js';
import { loadConfig } from '../../config/load.js';
import { isCroupierError } from '../../core/errors.js';

/** What to do about the Viber statuses an operator meets when registering a webhook. */
const HINTS: Readonly<Record<string, string>> = {
  invalidUrl:
    'Viber accepts only https URLs with a certificate from a trusted CA, and calls the URL at once: start Croupier first, then run this command',
  invalidAuthToken: `check ${TOKEN_VARIABLE} (Viber: More → Settings → Bots → Edit Info → Your app key)`,
  publicAccountBlocked: 'the bot is blocked: contact Viber support',
  publicAccountSuspended: 'the bot is suspended: contact Viber support',
  publicAccountNotFound: `the token belongs to no bot: check ${TOKEN_VARIABLE}`,
};

/** `croupier viber …`: bot administration that happens once, outside the running server. */
export function registerViberCommands(program: Command): void {
  const viber = program.command('viber').description('Viber bot administration');
  viber
    .command('set-webhook <url>')
    .description(
      `register <url> (normally <publicUrl>/webhooks/viber) as the bot's webhook, with the events Croupier handles; needs ${TOKEN_VARIABLE}; exit code 1 on failure`,
    )
    .option('-c, --config <file>', 'configuration file (default: ./croupier.yaml if present) for channels.viber.apiUrl')
    .addHelpText('after', `\nExample:\n  $ ${TOKEN_VARIABLE}=… croupier viber set-webhook https://support.example.com/webhooks/viber`)
    .action(async (url: string, flags: { config?: string }) => {
      process.exitCode = await runViberSetWebhook({ url, ...(flags.config ? { config: flags.config } : {}) });
    });
}

/** Calls `<apiUrl>/set_webhook`, prints what Viber said, returns the exit code. */
export async function runViberSetWebhook(options: {
  url: string;
  config?: string;
  env?: NodeJS.ProcessEnv;
  out?: NodeJS.WritableStream;
  err?: NodeJS.WritableStream;
}): Promise<number> {
  const env = options.env ?? process.env;
  const out = options.out ?? process.stdout;
  const err = options.err ?? process.stderr;
  const fail = (message: string) => {
    err.write(`✖ ${message}\n`);
    return 1;
  };

  let parsed: URL;
  try {
    parsed = new URL(options.url);
  } catch {
    return fail(`"${options.url}" is not a URL: give the full address, e.g. https://support.example.com/webhooks/viber`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return fail('the webhook URL must be an https URL');

  let apiUrl: string;
  try {
    apiUrl = loadConfig({ ...(options.config ? { file: options.config } : {}), env }).config.channels.viber.apiUrl;
  } catch (error) {
    if (isCroupierError(error)) return fail(`${error.code}: ${error.message}`);
    throw error;
  }
  const token = env[TOKEN_VARIABLE]?.trim();
  if (!token) return fail(`${TOKEN_VARIABLE} is not set: export the bot's authentication token first`);
  if (parsed.protocol !== 'https:') {
    err.write('! Viber calls only https URLs with a trusted certificate; it will probably refuse this one\n');
  }

  try {
    const answer = await new ViberApi({ apiUrl, token, timeoutMs: 30_000 }).setWebhook(parsed.href);
    const events = Array.isArray(answer['event_types']) ? (answer['event_types'] as unknown[]).map(String) : [...EVENT_TYPES];
    out.write(`✔ Viber webhook set to ${parsed.href}\n  events: ${events.join(', ')}\n`);
    return 0;
  } catch (error) {
    if (!isCroupierError(error)) throw error;
    const reason = error.message.replace(/^viber: set_webhook: /, '');
    if (error.code === 'CROUPIER_NETWORK') return fail(`${reason} at ${apiUrl} (channels.viber.apiUrl)`);
    const hint = Object.entries(HINTS).find(([name]) => reason.includes(name))?.[1];
    return fail(`Viber refused the webhook: ${reason}${hint ? `\n  ${hint}` : ''}`);
  }
}
