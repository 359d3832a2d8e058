import { spawn } from 'node:child_process';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/server.js';

const run = promisify(execFile);
const cli = ['--import', 'tsx', 'src/cli/main.ts'];
const env: NodeJS.ProcessEnv = { ...process.env, DOTENV_CONFIG_QUIET: 'true' };
delete env['CROUPIER_CONFIG'];

describe('croupier CLI', () => {
  it('prints help with examples', async () => {
    const { stdout } = await run(process.execPath, [...cli, '--help'], { env });
    expect(stdout).toContain('Examples:');
    expect(stdout).toMatch(/start\s/);
    expect(stdout).toMatch(/validate\s/);
  });

  it('start serves, then on SIGTERM finishes in-flight work, closes the store and exits 0', async () => {
    const dataDir = tempDir();
    const child = spawn(process.execPath, [...cli, 'start', '--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setInterval(() => {
        const match = /Croupier is running → (http:\/\/\S+?)\/\s/.exec(output);
        if (match?.[1]) {
          clearInterval(timer);
          resolve(match[1]);
        }
      }, 50);
      child.once('exit', (code) => {
        clearInterval(timer);
        reject(new Error(`exited early with ${code}: ${output}`));
      });
    });
    const response = await fetch(`${url}/web/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'hello' }),
    });
    expect(response.status).toBe(200);
    const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
    expect(output).toContain('"signal":"SIGTERM"');
    expect(output).toContain('"msg":"stopped"');
  });

  it('start refuses an invalid configuration with file:line:column and exit code 1', async () => {
    const dir = tempDir();
    const { writeFileSync } = await import('node:fs');
    writeFileSync(`${dir}/bad.yaml`, 'server:\n  port: "eighty"\n');
    const failed = await run(process.execPath, [...cli, 'start', '--config', `${dir}/bad.yaml`], { env }).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect((failed as { code: number }).code).toBe(1);
    expect((failed as { stderr: string }).stderr).toMatch(/bad\.yaml:2:3 error \[schema\] `server\.port` must be a number/);
  });
});
