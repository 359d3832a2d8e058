import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mediaLoader } from '../../../adapters/whatsapp-web/media.js';

let server: Server;
let base = '';

beforeAll(async () => {
  server = createServer((request, response) => {
    switch (request.url) {
      case '/files/welcome%20bonus.jpg':
        response.writeHead(200, { 'content-type': 'image/jpeg; charset=binary' }).end(Buffer.from([0xff, 0xd8, 0xff, 0xe0]));
        return;
      case '/busy':
        response.writeHead(503, { 'retry-after': '7' }).end('try later');
        return;
      case '/big':
        response.writeHead(200, { 'content-type': 'video/mp4', 'content-length': '2048' }).end(Buffer.alloc(2048));
        return;
      default:
        response.writeHead(404).end('<html>not found</html>');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.close();
});

describe('media for WhatsApp Web sends', () => {
  it('downloads a file into a MessageMedia: type from the response, name from the URL, base64 data', async () => {
    const media = await mediaLoader()({ kind: 'image', url: `${base}/files/welcome%20bonus.jpg` });
    expect(media).toMatchObject({ mimetype: 'image/jpeg', filename: 'welcome bonus.jpg', data: '/9j/4A==', filesize: 4 });
  });

  it('resolves relative URLs against the public URL and keeps a given file name', async () => {
    const media = await mediaLoader({ baseUrl: () => base })({
      kind: 'document',
      url: '/files/welcome%20bonus.jpg',
      fileName: 'bonus.jpg',
    });
    expect(media.filename).toBe('bonus.jpg');
  });

  it('never sends an error page: 404 fails at once, 503 is retryable and honours Retry-After', async () => {
    const load = mediaLoader();
    await expect(load({ kind: 'image', url: `${base}/nope.png` })).rejects.toMatchObject({
      code: 'CROUPIER_PLATFORM_API',
      details: { channel: 'whatsapp-web', status: 404, retryable: false },
    });
    await expect(load({ kind: 'image', url: `${base}/busy` })).rejects.toMatchObject({
      details: { status: 503, retryable: true, retryAfterMs: 7000 },
    });
  });

  it('refuses files larger than WhatsApp takes, and non-http URLs', async () => {
    const load = mediaLoader({ maxBytes: () => 1024 });
    await expect(load({ kind: 'video', url: `${base}/big` })).rejects.toMatchObject({ details: { status: 413, retryable: false } });
    await expect(load({ kind: 'image', url: 'file:///etc/passwd' })).rejects.toMatchObject({ details: { status: 400, retryable: false } });
    await expect(load({ kind: 'image', url: 'not a url' })).rejects.toMatchObject({ details: { status: 400 } });
  });

  it('a host that does not answer is a retryable network error', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await expect(mediaLoader()({ kind: 'image', url: `http://127.0.0.1:${port}/x.png` })).rejects.toMatchObject({
      code: 'CROUPIER_NETWORK',
      details: { retryable: true },
    });
  });
});
