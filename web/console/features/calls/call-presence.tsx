import * as z from 'zod/mini';
import { useEffect, useState } from 'preact/hooks';
import type { ApiClient } from '../../../shared/api/client.ts';
import type { Call } from './calls.api.ts';
import { presenceLines, type LivePresence } from './presence-lines.ts';

export type { LivePresence } from './presence-lines.ts';

/**
 * Who is in the live calls now, from the server's call hub (`GET /api/calls/presence`): the calls list shows
 * "Customer waiting in the lobby" and "In call" beside each call. Asked again every few seconds while the page is
 * open and visible; a failed ask keeps the last answer (the list itself still works).
 */

const presenceSchema = z.object({
  calls: z.array(
    z.object({
      callId: z.string(),
      participants: z.array(
        z.object({
          participantId: z.string(),
          kind: z.enum(['agent', 'customer']),
          state: z.enum(['waiting', 'in_call', 'reconnecting']),
          since: z.string(),
        }),
      ),
    }),
  ),
});

/** How often the list asks again, in ms. */
const EVERY_MS = 5_000;

export function useCallPresence(api: ApiClient): ReadonlyMap<string, LivePresence> {
  const [presence, setPresence] = useState<ReadonlyMap<string, LivePresence>>(new Map());
  useEffect(() => {
    let live = true;
    const ask = () => {
      if (document.visibilityState === 'hidden') return;
      api.get('/api/calls/presence', presenceSchema).then(
        (answer) => live && setPresence(new Map(answer.calls.map((c) => [c.callId, c.participants]))),
        () => undefined, // keep the last answer; the next ask may work
      );
    };
    ask();
    const timer = setInterval(ask, EVERY_MS);
    document.addEventListener('visibilitychange', ask);
    return () => {
      live = false;
      clearInterval(timer);
      document.removeEventListener('visibilitychange', ask);
    };
  }, [api]);
  return presence;
}

/** One call's live state in words, or nothing when nobody is in it. */
export function CallPresence(props: { call: Call; presence: LivePresence | undefined }) {
  const lines = presenceLines(props.call, props.presence ?? []);
  if (lines.length === 0) return null;
  return (
    <span class="cell-secondary call-presence" data-testid="call-presence">
      {lines.map((l, i) => (
        <span key={l.text}>
          {i > 0 && ' '}
          <span class={`badge ${l.tone === 'attention' ? 'badge-status-invited' : 'badge-status-active'}`} data-state={l.state}>
            {l.text}
          </span>
        </span>
      ))}
    </span>
  );
}
