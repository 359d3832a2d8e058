import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkConfig, loadConfig } from '../../src/config/load.js';
import { configSchema } from '../../src/config/schema.js';
import { parseYamlWithSchema } from '../../src/config/yaml-source.js';
import type { ContentIssue } from '../../src/core/content-issue.js';
import { isCroupierError } from '../../src/core/errors.js';
import { tempDir } from '../support/server.js';

/** A fresh project directory, optionally with a croupier.yaml. */
function project(yaml?: string): string {
  const cwd = tempDir('croupier-config-');
  if (yaml !== undefined) writeFileSync(join(cwd, 'croupier.yaml'), yaml);
  return cwd;
}

const check = (yaml: string | undefined, env: NodeJS.ProcessEnv = {}) => checkConfig({ cwd: project(yaml), env });

function only(issues: ContentIssue[]): ContentIssue {
  expect(issues, JSON.stringify(issues)).toHaveLength(1);
  return issues[0]!;
}

describe('checkConfig: files', () => {
  it('runs on defaults when there is no croupier.yaml', () => {
    const { loaded, issues } = check(undefined);
    expect(issues).toEqual([]);
    expect(loaded?.file).toBeUndefined();
    expect(loaded?.secrets).toEqual({});
    expect(loaded?.config).toMatchObject({
      server: { host: '0.0.0.0', port: 3000, trustProxy: false },
      store: { url: 'embedded', dataDir: 'data', durability: 'normal' },
      content: { intentsDir: 'intents', flowsDir: 'flows' },
      languages: { default: 'en' },
      backOffice: { url: 'demo' },
      rateLimit: { burst: 8, perMinute: 30 },
      log: { level: 'info' },
      channels: { web: { enabled: true, allowedOrigins: [], historyLimit: 200 } },
    });
  });

  it('an empty file is all defaults too', () => {
    const { loaded, issues } = check('');
    expect(issues).toEqual([]);
    expect(loaded?.config.server.port).toBe(3000);
  });

  it('merges a valid file over the defaults, section by section', () => {
    const cwd = project(
      [
        'server:',
        '  port: 8080',
        'rateLimit:',
        '  burst: 3',
        'channels:',
        '  web:',
        '    allowedOrigins: [https://casino.example]',
        '',
      ].join('\n'),
    );
    const { loaded, issues } = checkConfig({ cwd, env: {} });
    expect(issues).toEqual([]);
    expect(loaded?.file).toBe(join(cwd, 'croupier.yaml'));
    expect(loaded?.config.server).toMatchObject({ port: 8080, host: '0.0.0.0', bodyLimitBytes: 262_144 });
    expect(loaded?.config.rateLimit).toEqual({ burst: 3, perMinute: 30 });
    expect(loaded?.config.channels.web).toEqual({ enabled: true, allowedOrigins: ['https://casino.example'], historyLimit: 200 });
    expect(loaded?.config.store.url).toBe('embedded');
  });

  it('reads an explicitly named file relative to cwd, and CROUPIER_CONFIG names one too', () => {
    const cwd = project();
    writeFileSync(join(cwd, 'prod.yaml'), 'log:\n  level: warn\n');
    expect(checkConfig({ cwd, env: {}, file: 'prod.yaml' }).loaded?.config.log.level).toBe('warn');
    expect(checkConfig({ cwd, env: { CROUPIER_CONFIG: 'prod.yaml' } }).loaded?.config.log.level).toBe('warn');
  });

  it('an explicitly named file that does not exist is a not-found error', () => {
    const cwd = project();
    const issue = only(checkConfig({ cwd, env: {}, file: 'missing.yaml' }).issues);
    expect(issue).toMatchObject({ rule: 'not-found', severity: 'error', file: 'missing.yaml', line: 1, column: 1 });
    expect(only(checkConfig({ cwd, env: { CROUPIER_CONFIG: 'gone.yaml' } }).issues)).toMatchObject({
      rule: 'not-found',
      file: 'gone.yaml',
    });
  });

  it('reports a YAML syntax error with its line and column', () => {
    const { loaded, issues } = check('server:\n  port: 3000\n  host: [unclosed\nlog:\n  level: info\n');
    expect(loaded).toBeUndefined();
    expect(issues.length).toBeGreaterThan(0);
    expect(issues.every((issue) => issue.rule === 'yaml-syntax' && issue.file === 'croupier.yaml')).toBe(true);
    expect(issues[0]!.line).toBeGreaterThanOrEqual(3);
  });

  it('reports bad indentation (a tab) at its exact place', () => {
    const issue = check('server:\n  port: 3000\n\thost: x\n').issues[0];
    expect(issue).toMatchObject({ rule: 'yaml-syntax', line: 3, column: 1 });
  });

  it('reports a duplicate key as a syntax error on the second occurrence', () => {
    const issue = check('server:\n  port: 1\n  port: 2\n').issues[0];
    expect(issue).toMatchObject({ rule: 'yaml-syntax', line: 3, column: 3 });
  });

  it('points an unknown key at that key', () => {
    const issue = only(check('server:\n  port: 3000\n  prot: 80\n').issues);
    expect(issue).toMatchObject({ rule: 'schema', severity: 'error', file: 'croupier.yaml', line: 3, column: 3 });
    expect(issue.message).toContain('prot');
  });

  it('points an unknown top-level section at its key', () => {
    const issue = only(check('log:\n  level: info\n\nchanels:\n  web: {}\n').issues);
    expect(issue).toMatchObject({ rule: 'schema', line: 4, column: 1 });
    expect(issue.message).toContain('chanels');
  });

  it('points a wrong type at the line of the field', () => {
    const issue = only(check('# comment\nserver:\n  host: 127.0.0.1\n  port: "abc"\n').issues);
    expect(issue).toMatchObject({ rule: 'schema', line: 4, column: 3 });
    expect(issue.message).toContain('server.port');
  });

  it('points nested errors at the nested field', () => {
    const issue = only(check('channels:\n  web:\n    enabled: true\n    historyLimit: -1\n').issues);
    expect(issue).toMatchObject({ rule: 'schema', line: 4, column: 5 });
    expect(issue.message).toContain('channels.web.historyLimit');
  });

  it('reports an enum value outside the list, and every problem of a file at once', () => {
    const { issues } = check('log:\n  level: loud\nstore:\n  durability: sometimes\nlanguages:\n  default: English\n');
    expect(issues.map((issue) => [issue.rule, issue.line]).sort((a, b) => Number(a[1]) - Number(b[1]))).toEqual([
      ['schema', 2],
      ['schema', 4],
      ['schema', 6],
    ]);
  });

  it('points an error inside a list at the item', () => {
    const issue = only(check('channels:\n  web:\n    allowedOrigins:\n      - https://a.example\n      - 42\n').issues);
    expect(issue).toMatchObject({ rule: 'schema', line: 5, column: 9 });
  });

  it('reports a semantic rule (back-office url) at its field', () => {
    const issue = only(check('backOffice:\n  url: ftp://bo.example\n').issues);
    expect(issue).toMatchObject({ rule: 'schema', line: 2 });
  });

  it('a file that is not a mapping is a schema error for the whole file', () => {
    const issue = only(check('- just\n- a list\n').issues);
    expect(issue).toMatchObject({ rule: 'schema', line: 1, column: 1 });
  });
});

describe('checkConfig: environment', () => {
  it('CROUPIER_PORT, CROUPIER_DATA_DIR and CROUPIER_LOG_LEVEL override the file', () => {
    const { loaded, issues } = check('server:\n  port: 8080\nstore:\n  dataDir: /var/lib/a\nlog:\n  level: info\n', {
      CROUPIER_PORT: '9090',
      CROUPIER_DATA_DIR: '/srv/croupier',
      CROUPIER_LOG_LEVEL: 'debug',
    });
    expect(issues).toEqual([]);
    expect(loaded?.config.server.port).toBe(9090);
    expect(loaded?.config.store.dataDir).toBe('/srv/croupier');
    expect(loaded?.config.log.level).toBe('debug');
  });

  it('PORT (the platform convention) works, and CROUPIER_PORT wins over it', () => {
    expect(check(undefined, { PORT: '5000' }).loaded?.config.server.port).toBe(5000);
    expect(check(undefined, { PORT: '5000', CROUPIER_PORT: '6000' }).loaded?.config.server.port).toBe(6000);
    expect(check(undefined, { PORT: '' }).loaded?.config.server.port).toBe(3000);
  });

  it('overrides keep the rest of the section from the file', () => {
    const { loaded } = check('server:\n  host: 127.0.0.1\n', { CROUPIER_PORT: '4000', CROUPIER_HOST: '' });
    expect(loaded?.config.server).toMatchObject({ host: '127.0.0.1', port: 4000 });
  });

  it('an invalid environment value is reported against the environment', () => {
    for (const env of [{ CROUPIER_PORT: 'abc' }, { PORT: '70000' }, { CROUPIER_LOG_LEVEL: 'loud' }]) {
      const { loaded, issues } = check('server:\n  port: 8080\n', env);
      expect(loaded).toBeUndefined();
      const issue = only(issues);
      expect(issue).toMatchObject({ file: 'environment', rule: 'schema', severity: 'error' });
    }
  });

  it('reads secrets from the environment only', () => {
    const { loaded } = check(undefined, { CROUPIER_PLAYER_TOKEN_SECRET: 's3cret', CROUPIER_BACK_OFFICE_KEY: 'bo-key' });
    expect(loaded?.secrets).toEqual({ playerTokenSecret: 's3cret', backOfficeKey: 'bo-key' });
    expect(check(undefined, { CROUPIER_PLAYER_TOKEN_SECRET: '' }).loaded?.secrets).toEqual({});
    expect(JSON.stringify(loaded?.config)).not.toContain('s3cret');
  });

  it('a secret written in the file is refused as an unknown key', () => {
    const issue = only(check('server:\n  port: 3000\nplayerTokenSecret: oops\n').issues);
    expect(issue).toMatchObject({ rule: 'schema', line: 3, column: 1 });
  });
});

describe('loadConfig', () => {
  it('returns the loaded config when valid', () => {
    expect(loadConfig({ cwd: project('server:\n  port: 1234\n'), env: {} }).config.server.port).toBe(1234);
  });

  it('throws CROUPIER_CONFIG_INVALID listing every issue in details', () => {
    let caught: unknown;
    try {
      loadConfig({ cwd: project('server:\n  port: "abc"\n  prot: 1\n'), env: {} });
    } catch (error) {
      caught = error;
    }
    expect(isCroupierError(caught, 'CROUPIER_CONFIG_INVALID')).toBe(true);
    const issues = (caught as { details: { issues: ContentIssue[] } }).details.issues;
    expect(issues.map((issue) => issue.line).sort()).toEqual([2, 3]);
    expect(issues.every((issue) => issue.rule === 'schema')).toBe(true);
  });

  it('throws CROUPIER_CONFIG_INVALID for a missing explicit file', () => {
    let caught: unknown;
    try {
      loadConfig({ cwd: project(), env: {}, file: 'nope.yaml' });
    } catch (error) {
      caught = error;
    }
    expect(isCroupierError(caught, 'CROUPIER_CONFIG_INVALID')).toBe(true);
    expect((caught as { details: { issues: ContentIssue[] } }).details.issues[0]?.rule).toBe('not-found');
  });
});

describe('parseYamlWithSchema', () => {
  it('locates any path after a successful parse, falling back to the nearest parent', () => {
    const { value, issues, locate } = parseYamlWithSchema('server:\n  port: 80\nlog:\n  level: warn\n', 'x.yaml', configSchema);
    expect(issues).toEqual([]);
    expect(value?.server.port).toBe(80);
    expect(locate(['log', 'level'])).toEqual({ line: 4, column: 3 });
    expect(locate(['log', 'missing'])).toEqual({ line: 4, column: 3 });
    expect(locate([])).toEqual({ line: 1, column: 1 });
  });
});
