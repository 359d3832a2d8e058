/**
 * `npm run bench:pipeline`: autocannon against POST /web/messages (full pipeline + embedded store)
 * and against a bare fastify echo route, in the same run, on this machine. Prints throughput,
 * the ratio and p50/p99 latency, and records them in bench/RESULTS.md.
 *
 * Options (env): BENCH_CONNECTIONS (50), BENCH_DURATION seconds (10), BENCH_CONVERSATIONS (500).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import autocannon from 'autocannon';
import { measureInProcess } from './in-process.js';
import { machineLine, writeSection } from './results.js';

const connections = Number(process.env['BENCH_CONNECTIONS'] ?? 50);
const duration = Number(process.env['BENCH_DURATION'] ?? 10);
// Enough conversations that each gets only a message or two during the run: a conversation that
// receives the eight texts over and over ends in the hand-off queue (three answers that don't fit a
// question), and the queue skips the NLU and the flows — the benchmark would stop measuring the bot.
const conversations = Number(process.env['BENCH_CONVERSATIONS'] ?? 20_000);
const texts = [
  'hello',
  'where is my withdrawal',
  'deposit not credited',
  'hola',
  'passwort vergessen',
  'привет',
  'buna ziua',
  'bonus code?',
];

async function startServer(script: string): Promise<{ child: ChildProcess; url: string }> {
  const profile = process.env['BENCH_PROFILE'] ? ['--cpu-prof', `--cpu-prof-dir=${process.env['BENCH_PROFILE']}`] : [];
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, DOTENV_CONFIG_QUIET: 'true' },
  });
  const url = await new Promise<string>((resolve, reject) => {
    let buffer = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const match = /READY (\S+)/.exec(buffer);
      if (match?.[1]) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
  return { child, url };
}

async function stop(child: ChildProcess): Promise<void> {
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

interface Measured {
  /** Responses whose `replies` were empty: the message went to the hand-off queue (or was refused), not to the bot. */
  withoutReplies: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  requests: number;
}

function run(url: string, path: string, body: () => string, countReplies = false): Promise<Measured> {
  let withoutReplies = 0;
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: `${url}${path}`,
        connections,
        duration,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        requests: [
          {
            setupRequest: (request) => ({ ...request, body: body() }),
            ...(countReplies
              ? {
                  onResponse: (_status: number, responseBody: string) => {
                    if (responseBody.includes('"replies":[]')) withoutReplies++;
                  },
                }
              : {}),
          },
        ],
      },
      (error, result) => {
        if (error) return reject(error instanceof Error ? error : new Error(String(error)));
        resolve({
          withoutReplies,
          rps: result.requests.average,
          p50: result.latency.p50,
          p99: result.latency.p99,
          errors: result.errors,
          non2xx: result.non2xx,
          requests: result.requests.total,
        });
      },
    );
  });
}

async function warmUp(url: string, path: string, body: () => string): Promise<void> {
  await new Promise<void>((resolve, reject) =>
    autocannon(
      {
        url: `${url}${path}`,
        connections,
        amount: 2000,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        requests: [{ setupRequest: (r) => ({ ...r, body: body() }) }],
      },
      (e) => (e ? reject(e instanceof Error ? e : new Error(String(e))) : resolve()),
    ),
  );
}

let n = 0;
const nextText = () => texts[n++ % texts.length] ?? 'hello';
const loadAtStart = loadavg()[0] ?? 0;

// 1. bare fastify
const bare = await startServer('bench/servers/bare.ts');
const bareBody = () => JSON.stringify({ text: nextText() });
await warmUp(bare.url, '/echo', bareBody);
const bareResult = await run(bare.url, '/echo', bareBody);
await stop(bare.child);

// 2. the product: messages spread over many open conversations, each with a fresh message id
const product = await startServer('bench/servers/croupier.ts');
const ids: string[] = [];
let opened = 0;
await Promise.all(
  Array.from({ length: 32 }, async () => {
    while (opened < conversations) {
      opened++;
      const response = await fetch(`${product.url}/web/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: 'hello' }),
      });
      ids.push(((await response.json()) as { conversationId: string }).conversationId);
    }
  }),
);
let c = 0;
const productBody = () => JSON.stringify({ conversationId: ids[c++ % ids.length], clientMessageId: randomUUID(), text: nextText() });
await warmUp(product.url, '/web/messages', productBody);
const productResult = await run(product.url, '/web/messages', productBody, true);
await stop(product.child);

// 3. the pipeline alone, in this process, without HTTP: the one message recorded since the first run, then the eight above
const inProcess = await measureInProcess();
const inProcessMixed = await measureInProcess(30_000, 50, texts);
const loadAtEnd = loadavg()[0] ?? 0;

const ratio = productResult.rps / bareResult.rps;
const rows = [
  ['bare fastify echo (baseline)', bareResult],
  ['POST /web/messages, full pipeline + SQLite', productResult],
] as const;
const table = [
  '| target | req/s | p50 ms | p99 ms | requests | errors | non-2xx |',
  '|---|---:|---:|---:|---:|---:|---:|',
  ...rows.map(([name, r]) => `| ${name} | ${r.rps.toFixed(0)} | ${r.p50} | ${r.p99} | ${r.requests} | ${r.errors} | ${r.non2xx} |`),
].join('\n');
const verdict = [
  `ratio pipeline / bare = **${ratio.toFixed(2)}** (target ≥ 0.5) — ${ratio >= 0.5 ? 'met' : 'NOT met'}`,
  '',
  `In-process pipeline without HTTP (\`Pipeline.handle\`, 50 turns in flight): ${inProcess.turnsPerSecond.toFixed(0)} turns/s, ${inProcess.cpuMicrosPerTurn.toFixed(0)} µs CPU per turn ("where is my withdrawal"); ${inProcessMixed.turnsPerSecond.toFixed(0)} turns/s, ${inProcessMixed.cpuMicrosPerTurn.toFixed(0)} µs CPU per turn with the eight messages above.`,
  '',
  `${productResult.withoutReplies} of the ${productResult.requests} measured messages (${((100 * productResult.withoutReplies) / Math.max(productResult.requests, 1)).toFixed(0)} %) got no reply: their conversation had been handed to a person (the hand-off queue takes the message; no agent is online), so they skipped the NLU and the flows.`,
].join('\n');
process.stdout.write(`\n${table}\n\n${verdict}\n`);

await writeSection(
  'pipeline',
  [
    '## Pipeline throughput (`npm run bench:pipeline`)',
    '',
    `${machineLine()} Load average ${loadAtStart.toFixed(1)} at the start, ${loadAtEnd.toFixed(1)} at the end (other jobs share the 2 cores; throughput is wall-clock).`,
    `autocannon, ${connections} connections, ${duration} s per target after a 2,000-request warm-up, servers in child processes; ${conversations} open web conversations, every request a new message (unique id) so dedupe, ordering, transcript and events run for every one, and the NLU and flows for every one whose conversation is not with the hand-off queue.`,
    '',
    table,
    '',
    verdict,
  ].join('\n'),
);
if (productResult.errors > 0 || productResult.non2xx > 0) process.exitCode = 1;
