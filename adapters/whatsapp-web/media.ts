import wweb from 'whatsapp-web.js';
import type WAWebJS from 'whatsapp-web.js';
import { platformError } from '../../src/core/delivery.js';
import type { Media } from '../../src/core/message.js';
import { CHANNEL } from './inbound.js';

export interface MediaLoaderOptions {
  /** Base for relative media URLs (the server's public URL, known only once it listens). */
  readonly baseUrl?: () => string | undefined;
  readonly fetch?: typeof fetch;
  readonly timeoutMs?: number;
  /** WhatsApp's limits: 16 MB for photos, audio and video, 100 MB for documents. */
  readonly maxBytes?: (kind: Media['kind']) => number;
}

export type MediaLoader = (media: Media) => Promise<WAWebJS.MessageMedia>;

const MB = 1024 * 1024;
const defaultMaxBytes = (kind: Media['kind']) => (kind === 'document' ? 100 * MB : 16 * MB);

/**
 * Downloads an Outbound's media into the library's `MessageMedia` (base64). Unlike the library's
 * own `MessageMedia.fromUrl`, an error page is never sent as the file: 429/5xx and network
 * failures are retryable platform errors, other statuses and oversized files fail at once.
 */
export function mediaLoader(options: MediaLoaderOptions = {}): MediaLoader {
  const fetchImpl = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const maxBytes = options.maxBytes ?? defaultMaxBytes;
  return async (media) => {
    let url: URL;
    try {
      const base = options.baseUrl?.();
      url = base ? new URL(media.url, base) : new URL(media.url);
    } catch {
      throw platformError(CHANNEL, 400, 'the media URL is not a valid URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw platformError(CHANNEL, 400, `media URLs must be http(s), got ${url.protocol}`);
    let response: Response;
    try {
      response = await fetchImpl(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'follow' });
    } catch (error) {
      throw platformError(CHANNEL, undefined, `media download failed: ${error instanceof Error ? error.message : String(error)}`, {
        cause: error,
      });
    }
    if (!response.ok) {
      await response.body?.cancel();
      const retryAfter = retryAfterMs(response.headers.get('retry-after'));
      throw platformError(
        CHANNEL,
        response.status,
        `media download answered ${response.status}`,
        retryAfter === undefined ? {} : { retryAfterMs: retryAfter },
      );
    }
    const limit = maxBytes(media.kind);
    const declared = Number(response.headers.get('content-length'));
    if (Number.isFinite(declared) && declared > limit) {
      await response.body?.cancel();
      throw platformError(CHANNEL, 413, `media is ${declared} bytes, more than WhatsApp takes (${limit})`);
    }
    let bytes: Buffer;
    try {
      bytes = Buffer.from(await response.arrayBuffer());
    } catch (error) {
      throw platformError(CHANNEL, undefined, 'media download was cut off', { cause: error });
    }
    if (bytes.length > limit) throw platformError(CHANNEL, 413, `media is ${bytes.length} bytes, more than WhatsApp takes (${limit})`);
    const mimeType = response.headers.get('content-type')?.split(';')[0]?.trim() || 'application/octet-stream';
    const fileName = media.fileName ?? lastSegment(url);
    return new wweb.MessageMedia(mimeType, bytes.toString('base64'), fileName, bytes.length);
  };
}

function lastSegment(url: URL): string {
  const segment = url.pathname.split('/').pop() ?? '';
  try {
    return decodeURIComponent(segment) || 'file';
  } catch {
    return segment || 'file';
  }
}

function retryAfterMs(header: string | null): number | undefined {
  if (header === null) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  return undefined;
}
