import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { CroupierConfig } from '../config/schema.js';
import { CroupierError, isCroupierError } from '../core/errors.js';
import type { Store } from '../store/store.js';
import type { ChannelAdapter } from './channel.js';

export interface ServerParts {
  readonly config: CroupierConfig;
  readonly log: Logger;
  readonly store: Store;
  readonly channels: readonly ChannelAdapter[];
  /** True once content is loaded and the bot can answer. */
  readonly contentReady: () => boolean;
}

/**
 * The HTTP edge: health and readiness probes, one error shape for every route, body limits, and the
 * channels' routes. Errors reach clients as `{ error: { code, message } }`, never as a stack trace.
 *
 * @example const server = await buildServer(parts); await server.listen({ port: 3000 })
 */
export async function buildServer(parts: ServerParts): Promise<FastifyInstance> {
  const { config } = parts;
  const loggerInstance: FastifyBaseLogger = parts.log;
  const server = Fastify({
    loggerInstance,
    bodyLimit: config.server.bodyLimitBytes,
    trustProxy: config.server.trustProxy,
    // Per-request lines are logged at debug level by the onResponse hook below.
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  });

  server.addHook('onResponse', async (request, reply) => {
    request.log.debug(
      // Never the query string: it may carry a token (a mistyped socket URL, a verify token).
      {
        method: request.method,
        url: request.routeOptions.url ?? request.url.split('?')[0],
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
      },
      'request',
    );
  });

  server.setErrorHandler((error: FastifyError | CroupierError, request, reply) => {
    const mapped = mapError(error);
    if (mapped.status >= 500) request.log.error({ err: error, code: mapped.code }, 'request failed');
    else request.log.info({ code: mapped.code, reason: mapped.message }, 'request refused');
    return reply.status(mapped.status).send({ error: { code: mapped.code, message: mapped.message } });
  });

  server.setNotFoundHandler((request, reply) =>
    reply
      .status(404)
      .send({ error: { code: 'CROUPIER_INPUT_NOT_FOUND', message: `no route for ${request.method} ${request.url.split('?')[0] ?? ''}` } }),
  );

  server.get('/healthz', async () => ({ status: 'ok' }));

  server.get('/readyz', async (_request, reply) => {
    let storeOk = true;
    try {
      await parts.store.ping();
    } catch {
      storeOk = false;
    }
    const contentOk = parts.contentReady();
    const ready = storeOk && contentOk;
    return reply.status(ready ? 200 : 503).send({
      status: ready ? 'ready' : 'not ready',
      checks: { store: storeOk ? 'ok' : 'unreachable', content: contentOk ? 'ok' : 'not loaded' },
    });
  });

  for (const channel of parts.channels) await channel.register(server);
  return server;
}

function mapError(error: FastifyError | CroupierError): { status: number; code: string; message: string } {
  if (isCroupierError(error)) {
    return { status: error.status, code: error.code, message: error.status >= 500 ? 'internal error' : error.message };
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, code: 'CROUPIER_INPUT_TOO_LARGE', message: 'the request body is too large' };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 415, code: 'CROUPIER_INPUT_INVALID', message: 'send the body as application/json' };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { status: 400, code: 'CROUPIER_INPUT_INVALID', message: 'the body is not valid JSON' };
    default:
      break;
  }
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
    return { status: error.statusCode, code: 'CROUPIER_INPUT_INVALID', message: error.message };
  }
  if (error instanceof SyntaxError) return { status: 400, code: 'CROUPIER_INPUT_INVALID', message: 'the body is not valid JSON' };
  return { status: 500, code: 'CROUPIER_PIPELINE_STAGE_FAILED', message: 'internal error' };
}
