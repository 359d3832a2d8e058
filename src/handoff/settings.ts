import type { CroupierConfig } from '../config/schema.js';
import type { BusinessHours } from './hours.js';
import type { SlaSettings } from './sla.js';

/** The `handoff:` section of croupier.yaml, in the units the desk works with. */
export interface HandoffSettings {
  /** Default conversations per agent at once. */
  readonly capacity: number;
  readonly sla: SlaSettings;
  readonly businessHours: BusinessHours | null;
  readonly estimatedHandleMs: number;
  readonly queueUpdateMs: number;
  readonly breachWebhookUrl: string | undefined;
  /** Back-office manager id → agent login. */
  readonly personalManagers: Readonly<Record<string, string>>;
  readonly sessionMs: number;
}

const MINUTE = 60_000;

export function handoffSettings(config: CroupierConfig['handoff']): HandoffSettings {
  const byChannel = config.sla.firstReplyMinutesByChannel;
  return {
    capacity: config.capacity,
    sla: {
      firstReplyMs: (channel) => (byChannel[channel] ?? config.sla.firstReplyMinutes) * MINUTE,
      escalateAfterMs: config.sla.escalateAfterMinutes * MINUTE,
      warningRatio: config.sla.warningRatio,
    },
    businessHours: config.businessHours
      ? {
          timezone: config.businessHours.timezone,
          weekly: Object.fromEntries(Object.entries(config.businessHours.weekly).filter(([, ranges]) => ranges !== undefined)),
        }
      : null,
    estimatedHandleMs: config.estimatedHandleMinutes * MINUTE,
    queueUpdateMs: config.queueUpdateMinutes * MINUTE,
    breachWebhookUrl: config.breachWebhookUrl,
    personalManagers: config.personalManagers,
    sessionMs: config.sessionHours * 60 * MINUTE,
  };
}
