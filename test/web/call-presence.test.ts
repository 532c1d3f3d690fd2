import { describe, expect, it } from 'vitest';
import { presenceLines, type LivePresence, type PresenceCall } from '../../web/console/features/calls/presence-lines.ts';

/** Issue 12, finding 14: the agent's calls list says who is in a live call, in words, plurals right. */
describe('the calls list says who is in a live call', () => {
  const person = (id: string, kind: 'agent' | 'customer', displayName: string) => ({ id, kind, displayName, userId: null, subjectId: null, email: null });
  const call = {
    participants: [person('par_a', 'agent', 'Test agent'), person('par_k', 'customer', 'Karla Kundin'), person('par_g', 'customer', 'Gustav Gast')],
  } satisfies PresenceCall;
  const at = '2026-01-01T10:00:00.000Z';
  const p = (participantId: string, kind: 'agent' | 'customer', state: LivePresence[number]['state']) => ({ participantId, kind, state, since: at });
  const words = (presence: LivePresence) => presenceLines(call, presence).map((l) => l.text);

  it('nobody there: nothing to say', () => expect(words([])).toEqual([]));
  it('a customer waits before the agent has opened the call', () => expect(words([p('par_k', 'customer', 'waiting')])).toEqual(['Customer waiting in the lobby']));
  it('two wait', () =>
    expect(words([p('par_a', 'agent', 'in_call'), p('par_k', 'customer', 'waiting'), p('par_g', 'customer', 'waiting')])).toEqual(['2 customers waiting in the lobby']));
  it('agent and customer talk', () => expect(words([p('par_a', 'agent', 'in_call'), p('par_k', 'customer', 'in_call')])).toEqual(['In call']));
  it('a call without a lobby: the customer is in and waits for the host', () =>
    expect(words([p('par_k', 'customer', 'in_call')])).toEqual(['Customer in the call, waiting for the host']));
  it('the agent alone', () => expect(words([p('par_a', 'agent', 'in_call')])).toEqual(['Host in the call, no customer yet']));
  it('someone reconnecting is named', () =>
    expect(words([p('par_a', 'agent', 'in_call'), p('par_k', 'customer', 'reconnecting'), p('par_g', 'customer', 'in_call')])).toEqual([
      'In call',
      'Karla Kundin is reconnecting',
    ]));
});
