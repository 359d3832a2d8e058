import type { Request as BotRequest, Response as BotResponse } from 'botbuilder';
import type { FastifyRequest } from 'fastify';

/**
 * `CloudAdapter.process(req, res, logic)` is written for Express and restify: it reads `req.body`
 * (already parsed), `req.headers` and `req.method`, and answers through `res.status()`, `res.send()`
 * and `res.end()` (botbuilder's `Request`/`Response` interfaces). On fastify the route keeps the
 * last word: the adapter's answer is recorded here and the route turns it into a reply, so errors
 * still leave through the server's one coded error shape.
 */
export function botRequest(request: FastifyRequest, body: Record<string, unknown>): BotRequest {
  return { body, headers: request.headers, method: request.method };
}

export class RecordedResponse implements BotResponse {
  readonly socket: unknown = undefined;
  statusCode = 200;
  body: unknown;
  readonly headers: Record<string, unknown> = {};
  ended = false;

  status(code: number): this {
    this.statusCode = code;
    return this;
  }

  header(name: string, value: unknown): this {
    this.headers[name.toLowerCase()] = value;
    return this;
  }

  send(body?: unknown): this {
    this.body = body;
    return this;
  }

  end(): this {
    this.ended = true;
    return this;
  }
}
