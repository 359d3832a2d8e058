import type { BackOffice } from '../crm/back-office.js';
import type { TranscriptEntry } from '../store/store.js';
import { publicCase, type CaseView, type SlaState, type StoredCase } from './model.js';

/** A transcript line as the agent API shows it (the bot part included). */
export interface TranscriptView {
  readonly seq: number;
  readonly direction: 'in' | 'out';
  readonly author: TranscriptEntry['author'];
  readonly text: string;
  readonly buttons?: readonly { label: string; payload: string }[];
  readonly attachments?: TranscriptEntry['attachments'];
  /** ISO 8601. */
  readonly at: string;
}

/** What an agent reads for an entry: its text, else the button pressed, else the attachment kind. */
export function entryText(entry: Pick<TranscriptEntry, 'text' | 'payload' | 'attachments'>): string {
  if (entry.text !== undefined && entry.text.trim() !== '') return entry.text;
  if (entry.payload !== undefined) return `[button ${entry.payload}]`;
  const first = entry.attachments?.[0];
  return first ? `[${first.kind}]` : '';
}

export function transcriptView(entry: TranscriptEntry): TranscriptView {
  return {
    seq: entry.seq,
    direction: entry.direction,
    author: entry.author,
    text: entryText(entry),
    ...(entry.buttons && entry.buttons.length > 0 ? { buttons: entry.buttons.map((b) => ({ label: b.label, payload: b.payload })) } : {}),
    ...(entry.attachments && entry.attachments.length > 0 ? { attachments: entry.attachments } : {}),
    at: entry.at.toISOString(),
  };
}

export function caseView(stored: StoredCase, position: number | null, slaState: SlaState): CaseView {
  const c = publicCase(stored);
  return {
    ...c,
    sla: { ...c.sla, state: slaState },
    position: stored.status === 'queued' ? position : null,
    playerName: stored.internals.playerName,
    lastMessage: stored.internals.lastMessage,
    slaState,
    firstReplyDueAt: c.sla.firstReplyDueAt,
    escalateAt: c.sla.escalateAt,
  };
}

/** The back office's view of the player, for the console; null when the player is not verified. */
export interface PlayerCard {
  readonly casinoPlayerId: string;
  readonly name: string;
  readonly vipTier: string;
  /** The personal manager's name, if the player has one. */
  readonly personalManager: string | null;
  readonly kycStatus: string;
  readonly missingDocuments: readonly string[];
  readonly balance: { readonly amount: number; readonly currency: string; readonly bonus: number };
  readonly pendingWithdrawals: readonly { id: string; amount: number; currency: string; state: string; requestedAt: string }[];
  readonly bonuses: readonly { name: string; wageredPercent: number | null }[];
  /** Self-excluded, cooling off, or spoke about gambling harm in this conversation: no bonus talk. */
  readonly responsibleGambling: boolean;
}

const OPEN_WITHDRAWALS = new Set(['pending', 'approved', 'processing']);

export async function playerCard(
  backOffice: BackOffice,
  casinoPlayerId: string,
  flaggedInConversation: boolean,
  now: Date,
): Promise<PlayerCard | null> {
  const profile = await backOffice.findPlayer({ casinoPlayerId });
  if (!profile) return null;
  const [balance, vip, kyc, withdrawals, bonuses] = await Promise.all([
    backOffice.getBalance(casinoPlayerId),
    backOffice.getVip(casinoPlayerId),
    backOffice.getKyc(casinoPlayerId),
    backOffice.listWithdrawals(casinoPlayerId, { limit: 10 }),
    backOffice.listBonuses(casinoPlayerId),
  ]);
  return {
    casinoPlayerId,
    name: profile.name,
    vipTier: vip.tier,
    personalManager: vip.manager?.name ?? null,
    kycStatus: kyc.status,
    missingDocuments: kyc.missingDocuments,
    balance: { amount: balance.amount, currency: balance.currency, bonus: balance.bonus.amount },
    pendingWithdrawals: withdrawals
      .filter((w) => OPEN_WITHDRAWALS.has(w.state))
      .map((w) => ({ id: w.id, amount: w.amount.amount, currency: w.amount.currency, state: w.state, requestedAt: w.createdAt })),
    bonuses: bonuses
      .filter((b) => b.state === 'active')
      .map((b) => ({
        name: b.name,
        wageredPercent:
          b.wagering.required.amount > 0
            ? Math.max(0, Math.min(100, Math.round((b.wagering.progress.amount / b.wagering.required.amount) * 100)))
            : null,
      })),
    responsibleGambling:
      flaggedInConversation ||
      profile.responsibleGambling.selfExcluded ||
      (profile.responsibleGambling.coolOffUntil !== undefined && Date.parse(profile.responsibleGambling.coolOffUntil) > now.getTime()),
  };
}
