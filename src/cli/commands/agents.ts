import { resolve } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { randomId, systemClock } from '../../core/clock.js';
import { CroupierError, isCroupierError } from '../../core/errors.js';
import { TELEGRAM_USER_ID, addAgent } from '../../handoff/agents.js';
import { MIN_PASSWORD_LENGTH, hashPassword } from '../../handoff/passwords.js';
import type { AgentRole } from '../../handoff/model.js';
import { openStore } from '../../server/runtime.js';

export interface AgentsAddOptions {
  readonly login: string;
  readonly name: string;
  readonly role: string;
  readonly skills: string;
  readonly languages: string;
  readonly tier: string;
  readonly capacity?: string;
  readonly telegramUserId?: string;
  readonly passwordStdin?: boolean;
  readonly config?: string;
  readonly dataDir?: string;
}

export interface AgentsTelegramOptions {
  readonly login: string;
  readonly userId?: string;
  readonly remove?: boolean;
  readonly config?: string;
  readonly dataDir?: string;
}

export interface Io {
  readonly stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly env: NodeJS.ProcessEnv;
}

const processIo = (): Io => ({ stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env });

const list = (value: string) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

/** `croupier agents add` and `croupier agents list`. */
export function registerAgentCommands(program: Command, io: () => Io = processIo): void {
  const agents = program.command('agents').description('manage the people who answer players in the agent console');
  agents
    .command('add')
    .description('add an agent; the password is asked for (hidden), or read from stdin with --password-stdin')
    .requiredOption('--login <login>', 'what the agent types to log in (lower-case letters, digits, . _ -)')
    .requiredOption('--name <name>', 'the name players and colleagues see')
    .option('--role <role>', 'agent, supervisor or admin', 'agent')
    .option('--skills <list>', 'comma-separated skills: general, payments, technical, kyc, vip, responsible_gambling…', 'general')
    .option('--languages <list>', 'comma-separated language codes the agent answers in', 'en')
    .option('--tier <tier>', '1 (first line), 2 (specialist) or 3 (lead)', '1')
    .option('--capacity <n>', 'conversations at once (default: handoff.capacity, 5)')
    .option('--telegram-user-id <id>', "the agent's numeric Telegram user id, to answer players in the agents' forum group")
    .option('--password-stdin', 'read the password from stdin (for scripts), instead of asking')
    .option('-c, --config <file>', 'configuration file (default: ./croupier.yaml if present)')
    .option('--data-dir <dir>', 'where the embedded database lives')
    .addHelpText(
      'after',
      `
Examples:
  $ croupier agents add --login maria --name "María" --skills general,payments --languages es,en --tier 2
  $ printf '%s' "$PASSWORD" | croupier agents add --login lead --name "Lead" --role supervisor --tier 3 --password-stdin
  $ croupier agents add --login dana --name "Dana" --telegram-user-id 123456789`,
    )
    .action(async (options: AgentsAddOptions) => {
      process.exitCode = await runAgentsAdd(options, io());
    });
  agents
    .command('password')
    .description('set a new password for an agent (asked for, hidden, or read from stdin); their open sessions end')
    .requiredOption('--login <login>', 'the agent')
    .option('--password-stdin', 'read the password from stdin (for scripts), instead of asking')
    .option('-c, --config <file>', 'configuration file (default: ./croupier.yaml if present)')
    .option('--data-dir <dir>', 'where the embedded database lives')
    .addHelpText('after', '\nExample:\n  $ croupier agents password --login agent')
    .action(async (options: { login: string; passwordStdin?: boolean; config?: string; dataDir?: string }) => {
      process.exitCode = await runAgentsPassword(options, io());
    });
  agents
    .command('telegram')
    .description("link an agent to their Telegram account (to answer players in the agents' forum group), or unlink it")
    .requiredOption('--login <login>', 'the agent')
    .option('--user-id <id>', 'the numeric Telegram user id (a message to @userinfobot shows it)')
    .option('--remove', 'unlink the Telegram account')
    .option('-c, --config <file>', 'configuration file (default: ./croupier.yaml if present)')
    .option('--data-dir <dir>', 'where the embedded database lives')
    .addHelpText(
      'after',
      '\nExamples:\n  $ croupier agents telegram --login dana --user-id 123456789\n  $ croupier agents telegram --login dana --remove',
    )
    .action(async (options: AgentsTelegramOptions) => {
      process.exitCode = await runAgentsTelegram(options, io());
    });
  agents
    .command('list')
    .description('list the agents')
    .option('-c, --config <file>', 'configuration file (default: ./croupier.yaml if present)')
    .option('--data-dir <dir>', 'where the embedded database lives')
    .action(async (options: { config?: string; dataDir?: string }) => {
      process.exitCode = await runAgentsList(options, io());
    });
}

/** Returns the exit code. Never prints the password. */
export async function runAgentsAdd(options: AgentsAddOptions, io: Io): Promise<number> {
  try {
    const password = options.passwordStdin ? await readAll(io.stdin) : await promptTwice(io);
    const { config, store } = open(options, io);
    try {
      const agent = await addAgent(
        store,
        {
          login: options.login,
          name: options.name,
          role: options.role as AgentRole,
          skills: list(options.skills),
          languages: list(options.languages),
          tier: Number(options.tier),
          ...(options.capacity !== undefined ? { capacity: Number(options.capacity) } : {}),
          ...(options.telegramUserId !== undefined ? { telegramUserId: options.telegramUserId.trim() } : {}),
          password,
        },
        { ids: randomId, clock: systemClock, defaultCapacity: config.handoff.capacity },
      );
      io.stdout.write(
        `added ${agent.role} "${agent.login}" (${agent.name}): tier ${agent.tier}, skills ${agent.skills.join(', ')}, languages ${agent.languages.join(', ')}, capacity ${agent.capacity}${agent.telegramUserId ? `, Telegram user ${agent.telegramUserId}` : ''}\n`,
      );
      return 0;
    } finally {
      await store.close();
    }
  } catch (error) {
    return fail(error, io);
  }
}

/** Returns the exit code. Never prints the password. */
export async function runAgentsPassword(
  options: { login: string; passwordStdin?: boolean; config?: string; dataDir?: string },
  io: Io,
): Promise<number> {
  try {
    const password = options.passwordStdin ? await readAll(io.stdin) : await promptTwice(io);
    if (password.length < MIN_PASSWORD_LENGTH) {
      throw new CroupierError('CROUPIER_INPUT_INVALID', `the password must have at least ${MIN_PASSWORD_LENGTH} characters`);
    }
    const { store } = open(options, io);
    try {
      const agent = await store.handoff.agentByLogin(options.login);
      if (!agent) throw new CroupierError('CROUPIER_INPUT_NOT_FOUND', `there is no agent with the login "${options.login}"`);
      await store.handoff.saveAgent({ ...agent, passwordHash: await hashPassword(password) });
      await store.handoff.deleteAgentSessions(agent.id);
      await store.durable();
      io.stdout.write(`new password set for "${agent.login}"; their open sessions are ended\n`);
      return 0;
    } finally {
      await store.close();
    }
  } catch (error) {
    return fail(error, io);
  }
}

/** `croupier agents telegram`: links or unlinks an agent's Telegram account. Returns the exit code. */
export async function runAgentsTelegram(options: AgentsTelegramOptions, io: Io): Promise<number> {
  try {
    const userId = options.userId?.trim();
    if ((userId === undefined) === (options.remove !== true)) {
      throw new CroupierError('CROUPIER_INPUT_INVALID', 'give either --user-id <id> or --remove');
    }
    if (userId !== undefined && !TELEGRAM_USER_ID.test(userId)) {
      throw new CroupierError(
        'CROUPIER_INPUT_INVALID',
        'the Telegram user id is the number Telegram gives the account (e.g. 123456789), not a @username',
      );
    }
    const { store } = open(options, io);
    try {
      const agent = await store.handoff.agentByLogin(options.login);
      if (!agent) throw new CroupierError('CROUPIER_INPUT_NOT_FOUND', `there is no agent with the login "${options.login}"`);
      const { telegramUserId: _previous, ...rest } = agent;
      await store.handoff.saveAgent(userId === undefined ? rest : { ...rest, telegramUserId: userId });
      await store.durable();
      io.stdout.write(
        userId === undefined
          ? `"${agent.login}" is no longer linked to a Telegram account\n`
          : `"${agent.login}" answers in the agents' Telegram group as user ${userId} (a running server sees it at once)\n`,
      );
      return 0;
    } finally {
      await store.close();
    }
  } catch (error) {
    return fail(error, io);
  }
}

export async function runAgentsList(options: { config?: string; dataDir?: string }, io: Io): Promise<number> {
  try {
    const { store } = open(options, io);
    try {
      const agents = await store.handoff.listAgents();
      if (agents.length === 0) io.stdout.write('no agents yet: add one with `croupier agents add`\n');
      for (const agent of agents) {
        io.stdout.write(
          `${agent.login}\t${agent.name}\t${agent.role}\ttier ${agent.tier}\t${agent.skills.join(',')}\t${agent.languages.join(',')}\tcapacity ${agent.capacity}${agent.online ? '\tonline' : ''}${agent.telegramUserId ? `\ttelegram ${agent.telegramUserId}` : ''}\n`,
        );
      }
      return 0;
    } finally {
      await store.close();
    }
  } catch (error) {
    return fail(error, io);
  }
}

function open(options: { config?: string; dataDir?: string }, io: Io) {
  const { config } = loadConfig({ ...(options.config ? { file: options.config } : {}), env: io.env });
  const dataDir = resolve(options.dataDir ?? config.store.dataDir);
  return { config, store: openStore({ ...config, store: { ...config.store, dataDir } }, dataDir) };
}

function fail(error: unknown, io: Io): number {
  if (isCroupierError(error)) {
    io.stderr.write(`croupier: ${error.code}: ${error.message}\n`);
    return 1;
  }
  throw error;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

async function promptTwice(io: Io): Promise<string> {
  if (!io.stdin.isTTY || !io.stdin.setRawMode) {
    throw new CroupierError('CROUPIER_INPUT_INVALID', 'no terminal to ask for the password: pipe it in with --password-stdin');
  }
  const first = await promptHidden(io, 'Password: ');
  const second = await promptHidden(io, 'Repeat it: ');
  if (first !== second) {
    throw new CroupierError('CROUPIER_INPUT_INVALID', 'the passwords do not match');
  }
  return first;
}

/** Reads a line from the terminal without echoing it. */
function promptHidden(io: Io, question: string): Promise<string> {
  return new Promise((resolvePassword, reject) => {
    const stdin = io.stdin;
    io.stdout.write(question);
    stdin.setRawMode?.(true);
    stdin.resume();
    let typed = '';
    const done = (error?: Error) => {
      stdin.setRawMode?.(false);
      stdin.pause();
      stdin.removeListener('data', onData);
      io.stdout.write('\n');
      if (error) reject(error);
      else resolvePassword(typed);
    };
    const onData = (data: Buffer | string) => {
      for (const char of data.toString()) {
        if (char === '\r' || char === '\n') return done();
        if (char === '\u0003') return done(new CroupierError('CROUPIER_INPUT_INVALID', 'cancelled'));
        if (char === '\u007f' || char === '\b') typed = typed.slice(0, -1);
        else typed += char;
      }
    };
    stdin.on('data', onData);
  });
}
