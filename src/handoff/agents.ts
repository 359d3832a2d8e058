import { randomBytes } from 'node:crypto';
import type { Clock, IdSource } from '../core/clock.js';
import { CroupierError } from '../core/errors.js';
import type { AgentRecord, Store } from '../store/store.js';
import { AGENT_ROLES, KNOWN_SKILLS, isTier, type AgentRole } from './model.js';
import { MIN_PASSWORD_LENGTH, hashPassword } from './passwords.js';

/** What creating an agent takes (the CLI's `croupier agents add`, the demo seed, tests). */
export interface NewAgent {
  readonly login: string;
  readonly name: string;
  readonly role: AgentRole;
  readonly skills: readonly string[];
  readonly languages: readonly string[];
  readonly tier: number;
  /** Default: `handoff.capacity` (5). */
  readonly capacity?: number;
  readonly password: string;
  /** The agent's numeric Telegram user id, to answer players from the agents' forum group. */
  readonly telegramUserId?: string;
}

const LOGIN = /^[a-z0-9][a-z0-9._-]{1,63}$/;
const SKILL = /^[a-z][a-z0-9_]{0,39}$/;
const LANGUAGE = /^[a-z]{2,3}$/;
/** Telegram user ids are positive integers of up to 52 bits. */
export const TELEGRAM_USER_ID = /^[1-9]\d{0,15}$/;

/** Checks a new agent; every problem is a coded 400 with a sentence an operator can act on. */
export function validateNewAgent(input: NewAgent): void {
  const fail = (message: string) => {
    throw new CroupierError('CROUPIER_INPUT_INVALID', message);
  };
  if (!LOGIN.test(input.login)) fail('the login must be 2–64 characters: lower-case letters, digits, ".", "_" or "-"');
  if (input.name.trim() === '' || input.name.length > 80) fail('the name must be 1–80 characters');
  if (!AGENT_ROLES.includes(input.role)) fail(`the role must be one of ${AGENT_ROLES.join(', ')}`);
  if (input.skills.length === 0 || !input.skills.every((skill) => SKILL.test(skill)))
    fail(`give at least one skill in snake_case, e.g. ${KNOWN_SKILLS.join(',')}`);
  if (input.languages.length === 0 || !input.languages.every((language) => LANGUAGE.test(language)))
    fail('give at least one language code, e.g. en,es');
  if (!isTier(input.tier)) fail('the tier must be 1, 2 or 3');
  if (input.capacity !== undefined && (!Number.isInteger(input.capacity) || input.capacity < 1 || input.capacity > 50))
    fail('the capacity must be a whole number from 1 to 50');
  if (input.password.length < MIN_PASSWORD_LENGTH) fail(`the password must have at least ${MIN_PASSWORD_LENGTH} characters`);
  if (input.telegramUserId !== undefined && !TELEGRAM_USER_ID.test(input.telegramUserId))
    fail('the Telegram user id is the number Telegram gives the account (e.g. 123456789), not a @username');
}

/** Creates an agent with a scrypt-hashed password. A login that exists fails with `CROUPIER_INPUT_CONFLICT`. */
export async function addAgent(
  store: Store,
  input: NewAgent,
  context: { readonly ids: IdSource; readonly clock: Clock; readonly defaultCapacity: number },
): Promise<AgentRecord> {
  validateNewAgent(input);
  if (await store.handoff.agentByLogin(input.login)) {
    throw new CroupierError('CROUPIER_INPUT_CONFLICT', `an agent with the login "${input.login}" exists already`);
  }
  const record: AgentRecord = {
    id: context.ids(),
    login: input.login,
    name: input.name.trim(),
    role: input.role,
    skills: [...new Set(input.skills)],
    languages: [...new Set(input.languages)],
    tier: input.tier as AgentRecord['tier'],
    capacity: input.capacity ?? context.defaultCapacity,
    online: false,
    passwordHash: await hashPassword(input.password),
    createdAt: context.clock.now(),
    ...(input.telegramUserId !== undefined ? { telegramUserId: input.telegramUserId } : {}),
  };
  await store.handoff.createAgent(record);
  await store.durable();
  return record;
}

/**
 * With no agents at all, creates the demo accounts `agent` (tier 1) and `supervisor` (tier 3),
 * both with every shipped skill and language. The password is `password` when given (the
 * `CROUPIER_DEMO_AGENT_PASSWORD` environment variable), else 16 random characters made for this
 * data directory, returned so the caller can log it once: no installation ever shares a known
 * default password. Resolves undefined when agents exist already.
 */
export async function seedDemoAgents(
  store: Store,
  context: { readonly ids: IdSource; readonly clock: Clock; readonly defaultCapacity: number; readonly languages: readonly string[] },
  password?: string,
): Promise<{ logins: string[]; password: string; generated: boolean } | undefined> {
  if ((await store.handoff.listAgents()).length > 0) return undefined;
  const chosen = password ?? randomBytes(12).toString('base64url');
  const common = { skills: KNOWN_SKILLS, languages: context.languages, password: chosen };
  await addAgent(store, { ...common, login: 'agent', name: 'Demo Agent', role: 'agent', tier: 1 }, context);
  await addAgent(store, { ...common, login: 'supervisor', name: 'Demo Supervisor', role: 'supervisor', tier: 3 }, context);
  return { logins: ['agent', 'supervisor'], password: chosen, generated: password === undefined };
}
