import type { ClockState, NotifyDecision } from './breach.schema.ts';

/** Art. 33(1): the supervisory authority is notified within 72 hours of the controller becoming aware. */
export const NOTIFY_WITHIN_HOURS = 72;
/** The console and the list warn from this many hours after awareness (issue 7): a day left to notify. */
export const WARN_AFTER_HOURS = 48;
const HOUR_MS = 3_600_000;

export interface BreachClock {
  readonly deadline: Date;
  /** One decimal; negative past the deadline; null once the clock stopped. */
  readonly hoursLeft: number | null;
  readonly clock: ClockState;
}

export const deadlineOf = (awareAt: Date): Date => new Date(awareAt.getTime() + NOTIFY_WITHIN_HOURS * HOUR_MS);

/**
 * Where the 72 h clock stands at `now`. Notifying the authority stops it (`notified`, in time or late: the late
 * reason is required separately); so does the decision not to notify (`not_required`). Otherwise `running`, then
 * `warning` from 48 h, then `overdue` from the deadline itself.
 */
export function breachClock(input: { awareAt: Date; decision: NotifyDecision; authorityNotifiedAt: Date | null }, now: Date): BreachClock {
  const deadline = deadlineOf(input.awareAt);
  if (input.authorityNotifiedAt !== null) return { deadline, hoursLeft: null, clock: 'notified' };
  if (input.decision === 'not_notify') return { deadline, hoursLeft: null, clock: 'not_required' };
  const leftMs = deadline.getTime() - now.getTime();
  const hoursLeft = Math.trunc(leftMs / (HOUR_MS / 10)) / 10;
  const elapsedMs = now.getTime() - input.awareAt.getTime();
  const clock: ClockState = leftMs <= 0 ? 'overdue' : elapsedMs >= WARN_AFTER_HOURS * HOUR_MS ? 'warning' : 'running';
  return { deadline, hoursLeft: hoursLeft === 0 ? 0 : hoursLeft, clock };
}

/** True when the authority was notified after the 72 h deadline: the reasons for the delay are then required. */
export const notifiedLate = (awareAt: Date, notifiedAt: Date): boolean => notifiedAt.getTime() > deadlineOf(awareAt).getTime();
