/** Time, injected so tests can move it (lockout windows, link expiry, TOTP steps). */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** Timestamps are stored as ISO-8601 UTC text on both dialects: sortable, and hashed identically by the audit chain. */
export const iso = (d: Date): string => d.toISOString();

export function addMinutes(d: Date, minutes: number): Date {
  return new Date(d.getTime() + minutes * 60_000);
}
