import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CroupierHandle } from '../../src/server/runtime.js';
import { startTestServer } from '../support/server.js';

/* How the server serves the agent console's static files; what the page does is test/e2e/agent-console.test.ts. */
describe('agent console files', () => {
  let app: CroupierHandle;
  beforeAll(async () => {
    app = await startTestServer();
  });
  afterAll(async () => {
    await app.close();
  });

  it('serves the page at /agent, with a policy that only runs its own scripts', async () => {
    const response = await fetch(`${app.url}/agent`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const policy = response.headers.get('content-security-policy') ?? '';
    expect(policy).toContain("script-src 'self'");
    expect(policy).toContain("default-src 'none'");
    expect(policy).toContain("frame-ancestors 'none'");
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await response.text();
    expect(html).toContain('data-testid="login-form"');
    expect(html).toContain('<script type="module" src="/agent/console.js">');
    // no inline scripts or styles: the policy would block them
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/<style|\sstyle="/);
  });

  it('serves the scripts and the stylesheet with their types', async () => {
    for (const [file, type] of [
      ['console.js', 'text/javascript; charset=utf-8'],
      ['api.js', 'text/javascript; charset=utf-8'],
      ['dom.js', 'text/javascript; charset=utf-8'],
      ['console.css', 'text/css; charset=utf-8'],
    ] as const) {
      const response = await fetch(`${app.url}/agent/${file}`);
      expect(response.status, file).toBe(200);
      expect(response.headers.get('content-type'), file).toBe(type);
      expect((await response.text()).length, file).toBeGreaterThan(100);
    }
  });

  it('answers a deep link with the page and an unknown file with a coded 404', async () => {
    const deep = await fetch(`${app.url}/agent/cases/abc`);
    expect(deep.status).toBe(200);
    expect(await deep.text()).toContain('data-testid="login-form"');
    for (const path of ['/agent/nope.js', '/agent/../package.json', '/agent/sub/console.js', '/agent/%2e%2e%2fpackage.json']) {
      const response = await fetch(`${app.url}${path}`);
      expect(response.status, path).toBe(404);
      expect(((await response.json()) as { error: { code: string } }).error.code, path).toBe('CROUPIER_INPUT_NOT_FOUND');
    }
  });
});
