/** What the lines need of a call: who takes part (a `Call` from calls.api.ts fits). Kept structural so the words can be tested without the API client. */
export interface PresenceCall {
  readonly participants: readonly { readonly id: string; readonly displayName: string }[];
}

/** Who is present in one live call, as `GET /api/calls/presence` says (ids and states; the list has the names). */
export type LivePresence = readonly {
  readonly participantId: string;
  readonly kind: 'agent' | 'customer';
  readonly state: 'waiting' | 'in_call' | 'reconnecting';
  readonly since: string;
}[];

export interface PresenceLine {
  readonly text: string;
  readonly state: 'waiting' | 'in_call' | 'reconnecting';
  readonly tone: 'attention' | 'calm';
}

/** One call's live state in words: who waits in the lobby, whether the call is on, who is reconnecting. */
export function presenceLines(call: PresenceCall, presence: LivePresence): PresenceLine[] {
  const nameOf = (id: string) => call.participants.find((p) => p.id === id)?.displayName ?? 'A customer';
  const customers = presence.filter((p) => p.kind === 'customer');
  const waiting = customers.filter((p) => p.state === 'waiting');
  const inCall = customers.filter((p) => p.state === 'in_call');
  const reconnecting = presence.filter((p) => p.state === 'reconnecting');
  const host = presence.find((p) => p.kind === 'agent' && p.state === 'in_call');
  const lines: PresenceLine[] = [];
  if (waiting.length === 1) lines.push({ text: 'Customer waiting in the lobby', state: 'waiting', tone: 'attention' });
  else if (waiting.length > 1) lines.push({ text: `${waiting.length} customers waiting in the lobby`, state: 'waiting', tone: 'attention' });
  if (host && inCall.length > 0) lines.push({ text: 'In call', state: 'in_call', tone: 'calm' });
  else if (inCall.length > 0) {
    lines.push({ text: inCall.length === 1 ? 'Customer in the call, waiting for the host' : `${inCall.length} customers in the call, waiting for the host`, state: 'in_call', tone: 'attention' });
  } else if (host && waiting.length === 0) lines.push({ text: 'Host in the call, no customer yet', state: 'in_call', tone: 'calm' });
  for (const p of reconnecting) lines.push({ text: `${p.kind === 'agent' ? 'The host' : nameOf(p.participantId)} is reconnecting`, state: 'reconnecting', tone: 'attention' });
  return lines;
}
