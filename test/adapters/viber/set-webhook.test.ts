import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENT_TYPES } from '../../../adapters/viber/api.js';
import { runViberSetWebhook } from '../../../src/cli/commands/viber.js';
import { tempDir } from '../../support/server.js';
import { FakeViber } from './fake-viber.js';

const TOKEN = 'f1e2d3c4b5a69788-0a1b2c3d4e5f6a7b-8c9d0e1f2a3b4c5d';
const run = promisify(execFile);

let fake: FakeViber;
let config: string;

beforeAll(async () => {
  fake = await FakeViber.start(TOKEN);
  config = join(tempDir(), 'croupier.yaml');
  writeFileSync(config, `channels:\n  viber:\n    apiUrl: ${fake.url}\n`);
});

afterAll(async () => {
  await fake?.close();
});

/** Runs the command in-process with captured output. */
async function setWebhook(url: string, env: NodeJS.ProcessEnv = { VIBER_AUTH_TOKEN: TOKEN }, file = config) {
  let out = '';
  let err = '';
  const code = await runViberSetWebhook({
    url,
    config: file,
    env,
    out: { write: (chunk: string) => ((out += chunk), true) } as unknown as NodeJS.WritableStream,
    err: { write: (chunk: string) => ((err += chunk), true) } as unknown as NodeJS.WritableStream,
  });
  return { code, out, err };
}

describe('croupier viber set-webhook', () => {
  it('registers the URL with the events Croupier handles and prints what Viber said', async () => {
    const before = fake.sent('set_webhook').length;
    const result = await setWebhook('https://support.example.com/webhooks/viber');
    expect(result).toMatchObject({ code: 0, err: '' });
    expect(result.out).toContain('✔ Viber webhook set to https://support.example.com/webhooks/viber');
    expect(result.out).toContain('conversation_started');
    const calls = fake.sent('set_webhook');
    expect(calls).toHaveLength(before + 1);
    expect(calls.at(-1)).toMatchObject({
      token: TOKEN,
      body: { url: 'https://support.example.com/webhooks/viber', event_types: [...EVENT_TYPES], send_name: true, send_photo: false },
    });
  });

  it('exits 1 with Viber’s reason and a hint when Viber refuses', async () => {
    fake.answerNext({ viberStatus: 1, message: 'Result[HttpRequest[POST / HTTP/1.1]@5e6e4cbb] failed' });
    const result = await setWebhook('https://support.example.com/webhooks/viber');
    expect(result.code).toBe(1);
    expect(result.err).toContain('✖ Viber refused the webhook: status 1 invalidUrl');
    expect(result.err).toContain('start Croupier first');
    expect(result.out).toBe('');
  });

  it('exits 1 with a readable message without a token, with a bad URL, or when the API cannot be reached', async () => {
    const calls = fake.calls.length;
    const noToken = await setWebhook('https://support.example.com/webhooks/viber', {});
    expect(noToken.code).toBe(1);
    expect(noToken.err).toContain('VIBER_AUTH_TOKEN is not set');
    const badUrl = await setWebhook('support.example.com');
    expect(badUrl.code).toBe(1);
    expect(badUrl.err).toContain('is not a URL');
    expect(fake.calls.length).toBe(calls);

    const unreachable = join(tempDir(), 'croupier.yaml');
    writeFileSync(unreachable, 'channels:\n  viber:\n    apiUrl: http://127.0.0.1:9/pa\n');
    const down = await setWebhook('https://support.example.com/webhooks/viber', { VIBER_AUTH_TOKEN: TOKEN }, unreachable);
    expect(down.code).toBe(1);
    expect(down.err).toContain('could not reach the Viber API at http://127.0.0.1:9/pa');
    expect(down.err).not.toContain(TOKEN);
  });

  it('is a registered command of the croupier CLI', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, DOTENV_CONFIG_QUIET: 'true', VIBER_AUTH_TOKEN: TOKEN };
    delete env['CROUPIER_CONFIG'];
    const { stdout, stderr } = await run(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', 'viber', 'set-webhook', 'https://support.example.com/hook', '--config', config],
      { env },
    );
    expect(stdout).toContain('✔ Viber webhook set to https://support.example.com/hook');
    expect(`${stdout}${stderr}`).not.toContain(TOKEN);
    expect(fake.sent('set_webhook').at(-1)?.body['url']).toBe('https://support.example.com/hook');

    fake.answerNext({ viberStatus: 2, message: 'invalidAuthToken' });
    const failed = await run(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', 'viber', 'set-webhook', 'https://support.example.com/hook', '--config', config],
      { env },
    ).catch((error: { code: number; stderr: string }) => error);
    expect((failed as { code: number }).code).toBe(1);
    expect((failed as { stderr: string }).stderr).toContain('check VIBER_AUTH_TOKEN');
  });
});
