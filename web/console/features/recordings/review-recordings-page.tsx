import { useLocation } from 'preact-iso';
import { useState } from 'preact/hooks';
import { useApi } from '../../../shared/api/api-context.tsx';
import { Alert, ErrorAlert } from '../../../shared/ui/alert.tsx';
import { Button } from '../../../shared/ui/button.tsx';
import { Loading } from '../../../shared/ui/loading.tsx';
import { PageHeader } from '../../../shared/ui/page-header.tsx';
import { formatDateTime, formatDateTimeSeconds } from '../../../shared/format.ts';
import { useResource } from '../../../shared/use-resource.ts';
import { useSubmit } from '../../../shared/use-submit.ts';
import { can } from '../../roles.ts';
import { useMe } from '../../session.tsx';
import { describeEventType } from '../audit/event-types.ts';
import {
  getRecording,
  listRecordings,
  requestMediaLink,
  type MediaLink,
  type Recording,
  type RecordingAuditEntry,
  type RecordingParticipant,
  type Track,
} from './recordings.api.ts';

const modeLabels: Readonly<Record<Recording['mode'], string>> = {
  consent: 'With consent',
  legal_obligation: 'Required by law',
};

const statusLabels: Readonly<Record<Recording['status'], string>> = {
  recording: 'Recording now',
  complete: 'Complete',
  incomplete: 'Incomplete',
  failed: 'Failed',
};

const statusExplanations: Readonly<Record<Recording['status'], string>> = {
  recording: 'The call is being recorded right now; tracks can be played once they are finished.',
  complete: 'Recorded from start to stop.',
  incomplete: 'Interrupted by a server crash; playable up to the interruption.',
  failed: 'Capture failed: the host was alerted at the time, and there may be nothing to play.',
};

const trackStatusLabels: Readonly<Record<Track['status'], string>> = {
  recording: 'Recording',
  finalising: 'Being finalised',
  complete: 'Complete',
  incomplete: 'Incomplete (playable up to a crash)',
  failed: 'Failed',
  erased: 'Erased (key destroyed)',
};

const basisLabels: Readonly<Record<Track['basis'], string>> = {
  consent: 'Consent',
  legal_obligation: 'Legal obligation',
  legitimate_interest: 'Legitimate interest',
};

const consentLabels: Readonly<Record<RecordingParticipant['consent'], string>> = {
  given: 'Consent given',
  declined: 'Declined',
  withdrawn: 'Withdrawn',
  none: 'No decision recorded',
};

const sourceLabels: Readonly<Record<Track['source'], string>> = { camera: 'Camera and microphone', screen: 'Screen share' };

const endReasonLabels: Readonly<Record<string, string>> = {
  stopped: 'Recording stopped',
  withdrawn: 'Consent withdrawn',
  left: 'Left the call',
  sources_changed: 'Camera or screen changed',
  call_ended: 'Call ended',
  shutdown: 'Server shut down',
  crash: 'Server crash',
  failed: 'Capture failed',
};

const stopReasonLabels: Readonly<Record<string, string>> = {
  agent: 'stopped by the host',
  call_ended: 'the call ended',
  shutdown: 'the server shut down',
  crash: 'a server crash',
  failed: 'capture failed',
};

function formatDuration(ms: number | null): string {
  if (ms === null) return '—';
  const seconds = Math.round(ms / 1000);
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  return `${m}:${String(s).padStart(2, '0')}`;
}

/**
 * Recordings for review: all the organisation's (agents: their own calls'), or one call's when opened from the
 * Calls page (`?callId=`). Playing and downloading ask the server for a short-lived link each time: that is where
 * the playback role, the training and a restriction are checked, and where each access is audited.
 */
export function ReviewRecordingsPage() {
  const api = useApi();
  const { query } = useLocation();
  const callId = query.callId || undefined;
  const recordings = useResource(() => listRecordings(api, callId), [api, callId]);

  return (
    <>
      <PageHeader title={callId ? 'Recordings of a call' : 'Recordings'}>
        <p>
          Recorded calls, with the basis each person was recorded on and their consent as it stands now. Playing or
          downloading a recording is limited to the roles your organisation chose and to people with a recent GDPR
          training; every play, download and refusal is written to the audit log.
        </p>
        {callId && (
          <p>
            <a href="/recordings">Show the recordings of all calls</a>
          </p>
        )}
      </PageHeader>
      {recordings.state.status === 'loading' && <Loading label="Loading recordings…" />}
      {recordings.state.status === 'error' && <ErrorAlert error={recordings.state.error} title="The recordings could not be loaded" />}
      {recordings.state.status === 'ready' &&
        (recordings.state.data.length === 0 ? (
          <p class="empty">{callId ? 'This call has no recordings.' : 'No recordings yet.'}</p>
        ) : (
          recordings.state.data.map((r) => <RecordingPanel key={r.id} recording={r} />)
        ))}
    </>
  );
}

function RecordingPanel(props: { recording: Recording }) {
  const r = props.recording;
  const [trailOpen, setTrailOpen] = useState(false);
  const headingId = `recording-${r.id}`;
  return (
    <section class="panel" aria-labelledby={headingId} data-recording={r.id}>
      <div class="panel-header">
        <h2 id={headingId}>
          Recording of {formatDateTime(r.startedAt)} {r.restricted && <span class="badge badge-status-disabled">Restricted</span>}
        </h2>
      </div>
      <dl class="summary">
        <div class="summary-row">
          <dt>Basis</dt>
          <dd>{modeLabels[r.mode]}</dd>
        </div>
        {r.legalReference && (
          <div class="summary-row">
            <dt>Legal reference</dt>
            <dd>{r.legalReference}</dd>
          </div>
        )}
        <div class="summary-row">
          <dt>Status</dt>
          <dd data-testid="recording-status">
            <span class="cell-primary">{statusLabels[r.status]}</span>
            <span class="cell-secondary">{statusExplanations[r.status]}</span>
            {r.stoppedAt && (
              <span class="cell-secondary">
                Stopped {formatDateTime(r.stoppedAt)}
                {r.stopReason ? `: ${stopReasonLabels[r.stopReason] ?? r.stopReason}` : ''}.
              </span>
            )}
            {r.failure && <span class="cell-secondary">Failure: {r.failure}</span>}
          </dd>
        </div>
        <div class="summary-row">
          <dt>Kept until</dt>
          <dd>{formatDateTime(r.expiresAt)}</dd>
        </div>
      </dl>
      {r.restricted && (
        <Alert kind="warning" title="Processing is restricted">
          <p>A data subject asked to restrict processing: the recording stays stored but cannot be played or downloaded until the restriction is lifted.</p>
        </Alert>
      )}
      <ParticipantsTable recording={r} />
      <Button onClick={() => setTrailOpen(!trailOpen)}>{trailOpen ? 'Hide the audit trail' : 'Show the audit trail'}</Button>
      {trailOpen && <AuditTrail recordingId={r.id} />}
    </section>
  );
}

function ParticipantsTable(props: { recording: Recording }) {
  const r = props.recording;
  // One row per track; a participant with none still gets a row, so their consent state shows.
  const rows = r.participants.flatMap((p): { p: RecordingParticipant; t: Track | null }[] =>
    p.tracks.length === 0 ? [{ p, t: null }] : p.tracks.map((t) => ({ p, t })),
  );
  return (
    <table class="table">
      <caption class="visually-hidden">Participants, their consent and their recorded tracks</caption>
      <thead>
        <tr>
          <th scope="col">Participant</th>
          <th scope="col">Recording consent</th>
          <th scope="col">Track</th>
          <th scope="col">Basis</th>
          <th scope="col">Status</th>
          <th scope="col">Duration</th>
          <th scope="col">Ended by</th>
          <th scope="col">
            <span class="visually-hidden">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {rows.map(({ p, t }, i) => (
          <TrackRow key={t?.id ?? `${p.id}-${i}`} recording={r} participant={p} track={t} first={i === 0 || rows[i - 1]!.p.id !== p.id} />
        ))}
      </tbody>
    </table>
  );
}

function TrackRow(props: { recording: Recording; participant: RecordingParticipant; track: Track | null; first: boolean }) {
  const { participant: p, track: t, recording: r } = props;
  const api = useApi();
  const submit = useSubmit();
  const [player, setPlayer] = useState<MediaLink | null>(null);

  async function play() {
    if (!t) return;
    const link = await submit.run(() => requestMediaLink(api, r.id, t.id, 'play'));
    if (link) setPlayer(link);
  }

  async function download() {
    if (!t) return;
    const link = await submit.run(() => requestMediaLink(api, r.id, t.id, 'download'));
    if (!link) return;
    // The answer is an attachment: the browser saves it and the page stays where it is.
    const a = document.createElement('a');
    a.href = link.url;
    a.rel = 'noopener';
    document.body.append(a);
    a.click();
    a.remove();
  }

  const playable = t !== null && t.playable && !r.restricted;
  return (
    <>
      <tr data-track={t?.id}>
        <td>
          {props.first && (
            <>
              <span class="cell-primary">{p.displayName}</span>
              <span class="cell-secondary">{p.kind === 'agent' ? 'Host' : 'Customer'}</span>
            </>
          )}
        </td>
        <td>{props.first && (p.kind === 'customer' ? consentLabels[p.consent] : p.consent === 'none' ? '—' : consentLabels[p.consent])}</td>
        {t ? (
          <>
            <td>{sourceLabels[t.source]}</td>
            <td>{basisLabels[t.basis]}</td>
            <td>{trackStatusLabels[t.status]}</td>
            <td>{formatDuration(t.durationMs)}</td>
            <td>{t.endReason ? (endReasonLabels[t.endReason] ?? t.endReason) : '—'}</td>
            <td class="cell-actions">
              {playable && (
                <span class="row-actions">
                  <Button onClick={() => void play()} busy={submit.busy}>
                    Play
                  </Button>
                  <Button onClick={() => void download()} busy={submit.busy}>
                    Download
                  </Button>
                </span>
              )}
            </td>
          </>
        ) : (
          <td colSpan={6} class="muted">
            Not recorded
          </td>
        )}
      </tr>
      {(submit.error !== null || player) && (
        <tr class="row-detail">
          <td colSpan={8}>
            <ErrorAlert error={submit.error} title="The recording cannot be opened" />
            {player && !submit.error && (
              <div class="recording-player">
                <video controls autoplay preload="metadata" src={player.url} style={{ maxWidth: '100%' }} data-testid="recording-player" />
                <p class="muted">
                  This link works only for you, until {formatDateTime(player.expiresAt)}.{' '}
                  <Button variant="link" onClick={() => setPlayer(null)}>
                    Close the player
                  </Button>
                </p>
              </div>
            )}
          </td>
        </tr>
      )}
    </>
  );
}

const actorTypeLabels: Readonly<Record<string, string>> = { system: 'Parley', anonymous: 'Someone without an account' };

function actorLabel(actor: RecordingAuditEntry['actor'], myId: string): string {
  if (actor.type === 'user' && actor.id) return actor.id === myId ? 'You' : `User ${actor.id}`;
  if (actor.type === 'api_token' && actor.id) return `API token ${actor.id}`;
  return actorTypeLabels[actor.type] ?? actor.type;
}

function AuditTrail(props: { recordingId: string }) {
  const api = useApi();
  const me = useMe();
  const detail = useResource(() => getRecording(api, props.recordingId), [api, props.recordingId]);
  return (
    <div class="recording-audit" data-testid="recording-audit">
      <h3>Audit trail</h3>
      {detail.state.status === 'loading' && <Loading label="Loading the audit trail…" />}
      {detail.state.status === 'error' && <ErrorAlert error={detail.state.error} title="The audit trail could not be loaded" />}
      {detail.state.status === 'ready' &&
        (detail.state.data.auditTrail.length === 0 ? (
          <p class="empty">No events yet.</p>
        ) : (
          <table class="table">
            <caption class="visually-hidden">Events about this recording, oldest first</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">What</th>
              </tr>
            </thead>
            <tbody>
              {detail.state.data.auditTrail.map((e) => (
                <tr key={e.id} data-event={e.type}>
                  <td class="cell-nowrap">{formatDateTimeSeconds(e.createdAt)}</td>
                  <td title={e.actor.id ?? undefined}>{actorLabel(e.actor, me.user.id)}</td>
                  <td>
                    {describeEventType(e.type)}
                    {typeof e.data.reason === 'string' && <span class="cell-secondary">Reason: {e.data.reason}</span>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ))}
      {can(me.user.role, 'audit.read') && (
        <p class="muted">
          The full log, with its hash chain, is under <a href="/audit">Audit log</a>.
        </p>
      )}
    </div>
  );
}
