import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

describe('natural', () => {
  it('the server loads natural’s parts without its storage backends (redis subclasses String, which slows every string in V8), nor parts it does not call at start', () => {
    // A child process: the test runner itself may have loaded anything.
    const script = [
      "await import('./src/server/runtime.ts');",
      "const { createRequire } = await import('node:module');",
      'const loaded = Object.keys(createRequire(import.meta.url).cache);',
      'console.log(JSON.stringify(loaded.filter((file) => /node_modules[\\\\/](redis|@redis|mongoose|pg)[\\\\/]/.test(file) || /natural[\\\\/]lib[\\\\/]natural[\\\\/](classifiers|sentiment[\\\\/]English)/.test(file))));',
    ].join('\n');
    const output = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: process.cwd(),
      encoding: 'utf8',
      env: { ...process.env, DOTENV_CONFIG_QUIET: 'true' },
    });
    const loaded = JSON.parse(output.trim().split('\n').at(-1) ?? '[]') as string[];
    expect(loaded).toEqual([]);
  }, 30_000);
});
