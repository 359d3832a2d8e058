import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCroupier, type CroupierHandle, type StartOptions } from '../../src/server/runtime.js';

export function tempDir(prefix = 'croupier-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A scratch copy of the shipped intents/ and flows/, for tests that edit content. */
export function copyOfShippedContent(prefix = 'croupier-content-'): string {
  const root = tempDir(prefix);
  cpSync('intents', join(root, 'intents'), { recursive: true });
  cpSync('flows', join(root, 'flows'), { recursive: true });
  return root;
}

/**
 * Starts the real product on a free port with an isolated environment and data directory. Content
 * is not watched unless a test asks (`watchContent: true`): watching starts the training threads
 * and warms them with a training, which only the hot-reload tests need.
 */
export async function startTestServer(
  options: Partial<StartOptions> & { yaml?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<CroupierHandle> {
  const dataDir = options.dataDir ?? tempDir();
  const env: NodeJS.ProcessEnv = { ...(options.env ?? {}) };
  if (options.yaml !== undefined) {
    const file = join(dataDir, 'croupier.yaml');
    writeFileSync(file, options.yaml);
    env['CROUPIER_CONFIG'] = file;
  }
  return startCroupier({ port: 0, host: '127.0.0.1', logLevel: 'silent', watchContent: false, ...options, dataDir, env });
}

export async function postJson(url: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}
