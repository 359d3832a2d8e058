import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { CroupierError } from '../core/errors.js';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/**
 * The console only runs its own scripts and styles and only talks to this server, so a player's
 * text that slipped past the escaping still could not load or run anything.
 */
const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export interface AgentConsoleOptions {
  /** The package root; the console's files live in `src/server/agent-console/` under it. */
  readonly rootDir: string;
}

/**
 * The agent console: a static single page (plain browser ES modules, no build step) at `/agent`,
 * talking to the agent API under `/api/agent/`. Its files are read once at start-up and served
 * from memory; any `/agent/<path>` without a file extension is the page itself (deep links), an
 * unknown file is a coded 404.
 *
 * @example await registerAgentConsole(server, { rootDir: packageRoot() })
 */
export async function registerAgentConsole(server: FastifyInstance, options: AgentConsoleOptions): Promise<void> {
  const folder = join(options.rootDir, 'src', 'server', 'agent-console');
  const files = new Map<string, { body: Buffer; type: string }>();
  for (const name of readdirSync(folder)) {
    const type = TYPES[extname(name)];
    if (type) files.set(name, { body: readFileSync(join(folder, name)), type });
  }
  const page = files.get('index.html');
  if (!page) throw new CroupierError('CROUPIER_CONFIG_INVALID', `the agent console is missing: no index.html in ${folder}`);

  const send = (reply: FastifyReply, file: { body: Buffer; type: string }) =>
    reply
      .header('content-type', file.type)
      .header('cache-control', 'no-cache')
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('content-security-policy', CSP)
      .send(file.body);

  server.get('/agent', async (_request, reply) => send(reply, page));
  server.get('/agent/*', async (request, reply) => {
    const path = (request.params as { '*': string })['*'];
    if (extname(path) === '') return send(reply, page);
    const file = path.includes('/') ? undefined : files.get(path);
    if (!file) throw new CroupierError('CROUPIER_INPUT_NOT_FOUND', `no console file ${path}`);
    return send(reply, file);
  });
}
