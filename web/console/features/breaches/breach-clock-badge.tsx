import { useEffect, useState } from 'preact/hooks';
import { NOTIFY_WITHIN_HOURS, WARN_AFTER_HOURS, type Breach, type ClockState } from './breaches.api.ts';

const HOUR = 3_600_000;

/** The time now, moving every 30 s: the countdown runs while the page stays open. */
export function useNow(intervalMs = 30_000): Date {
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const timer = setInterval(() => setNow(new Date()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

/** The clock at `now`, from the server's stopped states and the deadline (the same rule as the server's). */
export function clockAt(breach: Breach, now: Date): { state: ClockState; msLeft: number } {
  const msLeft = new Date(breach.deadline).getTime() - now.getTime();
  if (breach.clock === 'notified' || breach.clock === 'not_required') return { state: breach.clock, msLeft };
  const elapsed = now.getTime() - new Date(breach.awareAt).getTime();
  return { state: msLeft <= 0 ? 'overdue' : elapsed >= WARN_AFTER_HOURS * HOUR ? 'warning' : 'running', msLeft };
}

const span = (ms: number) => {
  const minutes = Math.floor(Math.abs(ms) / 60_000);
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
};

const styles: Readonly<Record<ClockState, string>> = {
  running: 'badge',
  warning: 'badge badge-status-invited',
  overdue: 'badge',
  notified: 'badge badge-status-active',
  not_required: 'badge badge-status-disabled',
};

/** Overdue has no badge style of its own in the shared sheet; the danger colours say it. */
const overdueStyle = { background: 'var(--danger-soft)', color: 'var(--danger)', borderColor: 'var(--danger)' };

/** The 72 h clock of one breach: a countdown, amber from 48 h, red past the deadline; stopped once decided. */
export function BreachClockBadge(props: { breach: Breach; now: Date }) {
  const { state, msLeft } = clockAt(props.breach, props.now);
  const label =
    state === 'running'
      ? `${span(msLeft)} left to notify`
      : state === 'warning'
        ? `${span(msLeft)} left — notify the authority now`
        : state === 'overdue'
          ? `Overdue by ${span(msLeft)} (${NOTIFY_WITHIN_HOURS} h passed)`
          : state === 'notified'
            ? 'Authority notified'
            : 'No notification required';
  return (
    <span class={styles[state]} data-clock={state} style={state === 'overdue' ? overdueStyle : undefined}>
      {label}
    </span>
  );
}
