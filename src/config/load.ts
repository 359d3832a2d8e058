import { existsSync, readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { formatIssue, type ContentIssue } from '../core/content-issue.js';
import { CroupierError } from '../core/errors.js';
import { configSchema, type CroupierConfig, type Secrets } from './schema.js';
import { parseYamlWithSchema } from './yaml-source.js';

export interface LoadedConfig {
  readonly config: CroupierConfig;
  /** The file read, or undefined when running on defaults. */
  readonly file: string | undefined;
  readonly secrets: Secrets;
}

/**
 * Reads `croupier.yaml` (or the given file), applies environment overrides, validates, and returns
 * the config or the list of problems. An explicitly named file that does not exist is an error;
 * a missing default file means "all defaults".
 */
export function checkConfig(options: { file?: string; cwd?: string; env?: NodeJS.ProcessEnv } = {}): {
  loaded: LoadedConfig | undefined;
  issues: ContentIssue[];
} {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const explicit = options.file ?? env['CROUPIER_CONFIG'];
  const path = resolve(cwd, explicit ?? 'croupier.yaml');
  const shown = relative(cwd, path) || path;
  let raw: Record<string, unknown> = {};
  let file: string | undefined;
  if (existsSync(path)) {
    const text = readFileSync(path, 'utf8');
    const parsed = parseYamlWithSchema(text, shown, configSchema);
    if (parsed.issues.length > 0) return { loaded: undefined, issues: parsed.issues };
    raw = parsed.value as Record<string, unknown>;
    file = path;
  } else if (explicit !== undefined) {
    return {
      loaded: undefined,
      issues: [
        {
          file: shown,
          line: 1,
          column: 1,
          rule: 'not-found',
          message: 'the configuration file does not exist',
          hint: 'check the path, or leave it out to run on defaults',
          severity: 'error',
        },
      ],
    };
  }
  const withEnv = applyEnv(raw, env);
  const result = configSchema.safeParse(withEnv);
  if (!result.success) {
    return {
      loaded: undefined,
      issues: result.error.issues.map((issue) => ({
        file: 'environment',
        line: 1,
        column: 1,
        rule: 'schema',
        message: `${issue.path.join('.')}: ${issue.message}`,
        hint: 'check the CROUPIER_* environment variables',
        severity: 'error' as const,
      })),
    };
  }
  const secret = env['CROUPIER_PLAYER_TOKEN_SECRET'];
  const backOfficeKey = env['CROUPIER_BACK_OFFICE_KEY'];
  return {
    loaded: {
      config: result.data,
      file,
      secrets: { ...(secret ? { playerTokenSecret: secret } : {}), ...(backOfficeKey ? { backOfficeKey } : {}) },
    },
    issues: [],
  };
}

/** Like {@link checkConfig} but throws one CROUPIER_CONFIG_INVALID error listing every problem. */
export function loadConfig(options: { file?: string; cwd?: string; env?: NodeJS.ProcessEnv } = {}): LoadedConfig {
  const { loaded, issues } = checkConfig(options);
  if (!loaded) {
    throw new CroupierError('CROUPIER_CONFIG_INVALID', `the configuration is invalid:\n${issues.map(formatIssue).join('\n')}`, {
      details: { issues },
    });
  }
  return loaded;
}

/** Deployment overrides: `CROUPIER_PORT`, `CROUPIER_HOST`, `CROUPIER_DATA_DIR`, `CROUPIER_LOG_LEVEL`, `CROUPIER_STORE_URL`, or `PORT`. */
function applyEnv(raw: Record<string, unknown>, env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out = structuredClone(raw);
  const section = (name: string): Record<string, unknown> => {
    const existing = out[name];
    if (existing && typeof existing === 'object') return existing as Record<string, unknown>;
    const created: Record<string, unknown> = {};
    out[name] = created;
    return created;
  };
  const port = env['CROUPIER_PORT'] ?? env['PORT'];
  if (port !== undefined && port !== '') section('server')['port'] = Number(port);
  if (env['CROUPIER_HOST']) section('server')['host'] = env['CROUPIER_HOST'];
  if (env['CROUPIER_PUBLIC_URL']) section('server')['publicUrl'] = env['CROUPIER_PUBLIC_URL'];
  if (env['CROUPIER_DATA_DIR']) section('store')['dataDir'] = env['CROUPIER_DATA_DIR'];
  if (env['CROUPIER_STORE_URL']) section('store')['url'] = env['CROUPIER_STORE_URL'];
  if (env['CROUPIER_LOG_LEVEL']) section('log')['level'] = env['CROUPIER_LOG_LEVEL'];
  if (env['CROUPIER_BACK_OFFICE_URL']) section('backOffice')['url'] = env['CROUPIER_BACK_OFFICE_URL'];
  return out;
}
