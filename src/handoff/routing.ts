import { isSupervisor, type Agent, type CasePriority, type StoredCase } from './model.js';

/**
 * Queue order and routing, as pure functions over plain data (the desk owns the state):
 *
 * - **Priority**: responsible gambling (`urgent`) first, then VIP players by tier (higher first),
 *   then complaints and other `high` cases, then the rest (`normal`, then `low`); first come,
 *   first served within a priority.
 * - **Eligibility**: an agent takes a case when they have its skill (any skill once the case
 *   missed its first-reply SLA), speak its language, and their tier is at least the case's tier.
 * - **Assignment**: a VIP player's personal manager gets the case when online with a free slot
 *   (a responsible-gambling case only if the manager has that skill); otherwise the least-loaded
 *   eligible online agent with a free slot, the one idle longest on a tie. A case nobody can take
 *   waits; cases behind it that someone can take are still assigned.
 */

const PRIORITY_RANK: Readonly<Record<CasePriority, number>> = { urgent: 0, high: 2, normal: 3, low: 4 };
/** VIP cases sit between urgent and high. */
const VIP_RANK = 1;

/** 0 urgent, 1 VIP, 2 high, 3 normal, 4 low. */
export function priorityRank(c: Pick<StoredCase, 'priority' | 'vipTier'>): number {
  if (c.priority === 'urgent') return PRIORITY_RANK.urgent;
  if (c.vipTier !== null && c.vipTier > 0) return VIP_RANK;
  return PRIORITY_RANK[c.priority];
}

/** Queue order: priority rank, VIP tier (higher first) among VIPs, then arrival (FIFO). */
export function compareCases(a: StoredCase, b: StoredCase): number {
  const rank = priorityRank(a) - priorityRank(b);
  if (rank !== 0) return rank;
  if (priorityRank(a) === VIP_RANK) {
    const tier = (b.vipTier ?? 0) - (a.vipTier ?? 0);
    if (tier !== 0) return tier;
  }
  const time = Date.parse(a.queuedAt) - Date.parse(b.queuedAt);
  if (time !== 0) return time;
  return a.internals.seq - b.internals.seq;
}

/** Skill (unless the case is open to any skill), language and tier. Online state and load are not checked here. */
export function eligible(agent: Agent, c: StoredCase): boolean {
  return (c.internals.anySkill || agent.skills.includes(c.skill)) && agent.languages.includes(c.language) && agent.tier >= c.tier;
}

/** Whether a personal manager may take their VIP's case regardless of skill and language. */
export function managerMayTake(manager: Agent, c: StoredCase): boolean {
  return c.skill !== 'responsible_gambling' || manager.skills.includes('responsible_gambling');
}

export function hasFreeSlot(agent: Agent, loads: ReadonlyMap<string, number>): boolean {
  return agent.online && (loads.get(agent.id) ?? 0) < agent.capacity;
}

/**
 * What an agent sees: supervisors and admins everything; an agent the cases assigned to them and
 * the queued cases routed to them (eligible, or their VIP's).
 */
export function canSee(agent: Agent, c: StoredCase): boolean {
  if (isSupervisor(agent)) return true;
  if (c.agentId === agent.id) return true;
  return c.status === 'queued' && (eligible(agent, c) || c.personalManager === agent.id);
}

export interface Assignment {
  readonly caseId: string;
  readonly agentId: string;
  /** True when the case went to the player's personal manager. */
  readonly viaManager: boolean;
}

/**
 * Plans assignments for the queued cases, in queue order, against the agents' current loads
 * (number of assigned cases). Pure: returns the plan and leaves the inputs alone.
 *
 * @param idleSince ms since epoch an agent last got a case; longer idle wins a tie in load.
 */
export function planAssignments(
  cases: readonly StoredCase[],
  agents: readonly Agent[],
  loads: ReadonlyMap<string, number>,
  idleSince: ReadonlyMap<string, number> = new Map(),
): Assignment[] {
  const load = new Map(loads);
  const plan: Assignment[] = [];
  const byId = new Map(agents.map((agent) => [agent.id, agent]));
  const queued = cases.filter((c) => c.status === 'queued').sort(compareCases);
  for (const c of queued) {
    const manager = c.personalManager ? byId.get(c.personalManager) : undefined;
    if (manager && hasFreeSlot(manager, load) && managerMayTake(manager, c) && !c.internals.excluded.includes(manager.id)) {
      plan.push({ caseId: c.id, agentId: manager.id, viaManager: true });
      load.set(manager.id, (load.get(manager.id) ?? 0) + 1);
      continue;
    }
    let best: Agent | undefined;
    for (const agent of agents) {
      if (!hasFreeSlot(agent, load) || !eligible(agent, c) || c.internals.excluded.includes(agent.id)) continue;
      if (!best || better(agent, best, load, idleSince)) best = agent;
    }
    if (best) {
      plan.push({ caseId: c.id, agentId: best.id, viaManager: false });
      load.set(best.id, (load.get(best.id) ?? 0) + 1);
    }
  }
  return plan;
}

function better(a: Agent, b: Agent, load: ReadonlyMap<string, number>, idleSince: ReadonlyMap<string, number>): boolean {
  const byLoad = (load.get(a.id) ?? 0) - (load.get(b.id) ?? 0);
  if (byLoad !== 0) return byLoad < 0;
  const byIdle = (idleSince.get(a.id) ?? 0) - (idleSince.get(b.id) ?? 0);
  if (byIdle !== 0) return byIdle < 0;
  return a.login < b.login;
}

/** The queue a case waits in, for positions: its skill (or "any") and its language. */
export function queueKey(c: StoredCase): string {
  return `${c.internals.anySkill ? '*' : c.skill}\u0000${c.language}`;
}

/** 1-based place of every queued case in its queue (same skill and language), in queue order. */
export function queuePositions(cases: readonly StoredCase[]): Map<string, number> {
  const queues = new Map<string, StoredCase[]>();
  for (const c of cases) {
    if (c.status !== 'queued') continue;
    const key = queueKey(c);
    let list = queues.get(key);
    if (!list) queues.set(key, (list = []));
    list.push(c);
  }
  const positions = new Map<string, number>();
  for (const list of queues.values()) list.sort(compareCases).forEach((c, index) => positions.set(c.id, index + 1));
  return positions;
}

/** Agents' loads: how many open cases each holds. */
export function loadsOf(cases: Iterable<StoredCase>): Map<string, number> {
  const loads = new Map<string, number>();
  for (const c of cases) if (c.status === 'assigned' && c.agentId) loads.set(c.agentId, (loads.get(c.agentId) ?? 0) + 1);
  return loads;
}
