import { formatIssue } from '../../core/content-issue.js';
import { isCroupierError } from '../../core/errors.js';
import { startCroupier } from '../../server/runtime.js';

/** `croupier start`: runs until SIGTERM/SIGINT, then shuts down gracefully. Returns the exit code. */
export async function runStart(options: {
  config?: string;
  port?: number;
  host?: string;
  dataDir?: string;
  logLevel?: string;
}): Promise<number> {
  let app;
  try {
    app = await startCroupier({
      ...(options.config ? { configFile: options.config } : {}),
      ...(options.port !== undefined ? { port: options.port } : {}),
      ...(options.host ? { host: options.host } : {}),
      ...(options.dataDir ? { dataDir: options.dataDir } : {}),
      ...(options.logLevel ? { logLevel: options.logLevel } : {}),
    });
  } catch (error) {
    if (isCroupierError(error)) {
      const issues = (error.details['issues'] as Parameters<typeof formatIssue>[0][] | undefined) ?? [];
      process.stderr.write(
        `croupier: ${error.code}: ${issues.length > 0 ? `${issues.length} problem(s):\n${issues.map(formatIssue).join('\n')}` : error.message}\n`,
      );
      return 1;
    }
    throw error;
  }
  const { log } = app;
  for (const channel of app.channels) for (const line of channel.describe()) log.info(line);
  log.info(`Croupier is running: open ${app.url}/ for the demo casino page with the chat widget`);
  process.stdout.write(`\n  Croupier is running → ${app.url}/\n\n`);

  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log.info({ signal }, 'signal received');
      app.close().then(resolve, (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        resolve();
      });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  return 0;
}
