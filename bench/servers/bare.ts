/**
 * The baseline: bare fastify with one JSON echo route, no pipeline, no store. Prints its URL.
 */
import Fastify from 'fastify';

const server = Fastify({ logger: false });
server.post('/echo', async (request) => ({ conversationId: 'bare', replies: [{ text: (request.body as { text?: string }).text ?? '' }] }));
await server.listen({ port: 0, host: '127.0.0.1' });
const address = server.server.address();
process.stdout.write(`READY http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}\n`);
process.once('SIGTERM', () => void server.close().then(() => process.exit(0)));
