/**
 * The product as shipped: full pipeline (dedupe, ordering, conversation load/save, transcript,
 * events, rate limit, bot) over the embedded SQLite store. Prints its URL.
 * The per-player rate limit is raised so that every request runs the whole bot path.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCroupier } from '../../src/server/runtime.js';

const dataDir = mkdtempSync(join(process.env['BENCH_DATA_ROOT'] ?? tmpdir(), 'croupier-bench-'));
const configFile = join(dataDir, 'croupier.yaml');
writeFileSync(configFile, 'rateLimit:\n  burst: 1000000\n  perMinute: 1000000\nlog:\n  level: warn\n');
const app = await startCroupier({ configFile, dataDir, port: 0, host: '127.0.0.1' });
process.stdout.write(`READY ${app.url}\n`);
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
