import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runSchemas } from '../../src/cli/commands/schemas.js';
import { checkConfig } from '../../src/config/load.js';
import { tempDir } from '../support/server.js';

const sink = () => new Writable({ write: (_c, _e, cb) => cb() });

describe('croupier schemas', () => {
  it('the committed JSON Schemas match the validators they are generated from', () => {
    expect(runSchemas({ dir: 'schemas', check: true }, sink())).toBe(0);
  });

  it('reports stale schemas', () => {
    expect(runSchemas({ dir: tempDir(), check: true }, sink())).toBe(1);
  });

  it('the example configuration is valid and the schema knows every section', () => {
    const { loaded, issues } = checkConfig({ file: 'croupier.example.yaml', env: {} });
    expect(issues).toEqual([]);
    expect(loaded?.config.channels.web.allowedOrigins).toEqual(['https://www.example-casino.com']);
    const schema = JSON.parse(readFileSync('schemas/croupier.schema.json', 'utf8')) as { properties: Record<string, unknown> };
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining(['server', 'store', 'languages', 'rateLimit', 'log', 'channels']),
    );
  });
});
