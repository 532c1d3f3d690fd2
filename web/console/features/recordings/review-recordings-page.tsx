import { createContext } from 'preact';
import { useLocation } from 'preact-iso';
import { useContext, useEffect, useRef, useState } from 'preact/hooks';
import {
  decryptRecording,
  RecordingDecryptError,
  unlockRecordingKey,
  WrongPassphraseError,
  type TrackEnvelope,
} from '../../../customer/call/e2ee/recording-crypto.ts';
import { useApi } from '../../../shared/api/api-context.tsx';
import { ApiError } from '../../../shared/api/api-error.ts';
import { Alert, ErrorAlert } from '../../../shared/ui/alert.tsx';
import { Button, SubmitButton } from '../../../shared/ui/button.tsx';
import { TextField } from '../../../shared/ui/field.tsx';
import { Loading } from '../../../shared/ui/loading.tsx';
import { PageHeader } from '../../../shared/ui/page-header.tsx';
import { formatDateTime, formatDateTimeSeconds } from '../../../shared/format.ts';
import { useResource } from '../../../shared/use-resource.ts';
import { useSubmit } from '../../../shared/use-submit.ts';
import { can } from '../../roles.ts';
import { useMe } from '../../session.tsx';
import { describeEventType } from '../audit/event-types.ts';
import { codeInWords, codeValueInWords } from '../audit/event-words.ts';
import {
  getRecording,
  getSealedRecordingKey,
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
  incomplete: 'Interrupted by a crash of the server or of a media worker; playable up to the interruption.',
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
  crash: 'Crash of the server or a media worker',
  failed: 'Capture failed',
};

const stopReasonLabels: Readonly<Record<string, string>> = {
  agent: 'stopped by the host',
  call_ended: 'the call ended',
  shutdown: 'the server shut down',
  crash: 'a crash of the server or a media worker',
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
  const keyring = useRef<Keyring>(new Map());

  return (
    <KeyringContext.Provider value={keyring.current}>
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
    </KeyringContext.Provider>
  );
}

/**
 * Recording keys unlocked on this page, by key id: the passphrase is asked once per key and page visit. Held in
 * this page's memory only (never in storage), as non-extractable CryptoKeys, and gone when the page is left.
 */
type Keyring = Map<string, CryptoKey>;
const KeyringContext = createContext<Keyring | null>(null);

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
                {r.stopReason ? `: ${stopReasonLabels[r.stopReason] ?? codeInWords(r.stopReason).toLowerCase()}` : ''}.
              </span>
            )}
            {r.failure && <span class="cell-secondary">Why: {codeValueInWords('recording.failed', 'reason', r.failure)}.</span>}
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

/** A track that ended because its person left, followed by another of theirs: they came back (a reload, a dropped network). */
function cameBack(p: RecordingParticipant, t: Track): boolean {
  return t.endReason === 'left' && t.endedAt !== null && p.tracks.some((o) => o.id !== t.id && o.source === t.source && o.startedAt >= t.endedAt!);
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
          <TrackRow key={t?.id ?? `${p.id}-${i}`} recording={r} participant={p} track={t} />
        ))}
      </tbody>
    </table>
  );
}

function TrackRow(props: { recording: Recording; participant: RecordingParticipant; track: Track | null }) {
  const { participant: p, track: t, recording: r } = props;
  const api = useApi();
  const submit = useSubmit();
  const [player, setPlayer] = useState<MediaLink | null>(null);
  const [encrypted, setEncrypted] = useState<MediaPurpose | null>(null);
  const envelope = t?.e2ee ?? null;

  async function play() {
    if (!t) return;
    if (envelope) {
      setEncrypted('play');
      return;
    }
    const link = await submit.run(() => requestMediaLink(api, r.id, t.id, 'play'));
    if (link) setPlayer(link);
  }

  async function download() {
    if (!t) return;
    if (envelope) {
      setEncrypted('download');
      return;
    }
    const link = await submit.run(() => requestMediaLink(api, r.id, t.id, 'download'));
    if (!link) return;
    // The answer is an attachment: the browser saves it and the page stays where it is. The `download` attribute is
    // what keeps the console's router from taking the click as a page change (it showed "Page not found"); the file
    // name the server sends wins over this one.
    const a = document.createElement('a');
    a.href = link.url;
    a.download = fileName(t.id);
    a.rel = 'noopener';
    document.body.append(a);
    a.click();
    a.remove();
  }

  const playable = t !== null && t.playable && !r.restricted;
  return (
    <>
      <tr data-track={t?.id}>
        {/* Every track row names its person: a second track (after a reload, a new camera) is hers too. */}
        <td>
          <span class="cell-primary">{p.displayName}</span>
          <span class="cell-secondary">{p.kind === 'agent' ? 'Host' : 'Customer'}</span>
        </td>
        <td>{p.kind === 'customer' ? consentLabels[p.consent] : p.consent === 'none' ? '—' : consentLabels[p.consent]}</td>
        {t ? (
          <>
            <td>{sourceLabels[t.source]}</td>
            <td>{basisLabels[t.basis]}</td>
            <td>{trackStatusLabels[t.status]}</td>
            <td>{formatDuration(t.durationMs)}</td>
            <td>{t.endReason ? (cameBack(p, t) ? 'Left the call (reconnected)' : (endReasonLabels[t.endReason] ?? codeInWords(t.endReason))) : '—'}</td>
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
      {t && envelope && encrypted && (
        <tr class="row-detail">
          <td colSpan={8}>
            <EncryptedTrackPlayer key={encrypted} recordingId={r.id} trackId={t.id} envelope={envelope} purpose={encrypted} onClose={() => setEncrypted(null)} />
          </td>
        </tr>
      )}
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

type MediaPurpose = 'play' | 'download';
type Step = 'idle' | 'unlocking' | 'fetching' | 'decrypting';
type Failure = { readonly kind: 'wrong_passphrase' } | { readonly kind: 'undecryptable' } | { readonly kind: 'other'; readonly error: unknown };
interface Opened {
  /** An object URL of the decrypted WebM, revoked when replaced or when the player closes. */
  readonly url: string;
  readonly chunks: number;
  readonly complete: boolean;
}

const stepLabels: Readonly<Record<Exclude<Step, 'idle'>, string>> = {
  unlocking: 'Unlocking the recording key…',
  fetching: 'Fetching the encrypted recording…',
  decrypting: 'Decrypting in your browser…',
};

/**
 * An end-to-end encrypted track: the server holds only ciphertext, so the recording key is unlocked here with the
 * passphrase, the stored chunks are fetched through the usual (audited) media link and decrypted in this browser.
 * The whole track is held in memory: simpler than streaming into MediaSource, at the cost of memory for long calls.
 */
function EncryptedTrackPlayer(props: { recordingId: string; trackId: string; envelope: TrackEnvelope; purpose: MediaPurpose; onClose: () => void }) {
  const { recordingId, trackId, envelope, purpose } = props;
  const api = useApi();
  // Outside the page's provider (not expected), keys live only as long as this player.
  const ownKeyring = useRef<Keyring>(new Map());
  const keyring = useContext(KeyringContext) ?? ownKeyring.current;
  const [passphrase, setPassphrase] = useState('');
  const [step, setStep] = useState<Step>('idle');
  const [failure, setFailure] = useState<Failure | null>(null);
  const [opened, setOpened] = useState<Opened | null>(null);
  const alive = useRef(true);
  const unlocked = keyring.has(envelope.keyId);

  useEffect(
    () => () => {
      alive.current = false;
    },
    [],
  );
  useEffect(() => {
    if (!opened) return;
    const url = opened.url;
    return () => URL.revokeObjectURL(url);
  }, [opened]);
  // A key unlocked earlier on this page opens the track at once.
  useEffect(() => {
    if (unlocked) void open(null);
  }, []);

  async function open(typed: string | null) {
    if (step !== 'idle') return;
    setFailure(null);
    try {
      let key = keyring.get(envelope.keyId);
      if (!key) {
        if (typed === null) return;
        setStep('unlocking');
        key = await unlockRecordingKey(await getSealedRecordingKey(api, envelope.keyId), typed);
        keyring.set(envelope.keyId, key);
        if (alive.current) setPassphrase('');
      }
      if (alive.current) setStep('fetching');
      const link = await requestMediaLink(api, recordingId, trackId, purpose);
      const stored = await fetchStoredBytes(link.url);
      if (alive.current) setStep('decrypting');
      const recording = await decryptRecording(key, envelope, trackId, stored);
      if (!alive.current) return;
      const url = URL.createObjectURL(new Blob([recording.webm], { type: 'video/webm' }));
      setOpened({ url, chunks: recording.chunks, complete: recording.complete });
      if (purpose === 'download' && recording.chunks > 0) saveAs(url, fileName(trackId));
    } catch (error) {
      if (!alive.current) return;
      if (error instanceof WrongPassphraseError) setFailure({ kind: 'wrong_passphrase' });
      else if (error instanceof RecordingDecryptError) setFailure({ kind: 'undecryptable' });
      else setFailure({ kind: 'other', error });
    } finally {
      if (alive.current) setStep('idle');
    }
  }

  function onSubmit(e: Event) {
    e.preventDefault();
    if (passphrase === '') {
      setFailure({ kind: 'wrong_passphrase' });
      return;
    }
    void open(passphrase);
  }

  const progress = step === 'idle' ? null : stepLabels[step];
  const busy = progress !== null;
  return (
    <div class="recording-player" data-testid="e2ee-track">
      {!opened && (
        <>
          <p>
            <strong>End-to-end encrypted: unlock with the recording key's passphrase.</strong> This track was encrypted in the
            host's browser and Parley cannot open it. The passphrase is checked here, in your browser; it is not sent to the
            server.
          </p>
          {!unlocked ? (
            <form class="form" onSubmit={onSubmit} noValidate aria-label="Unlock the recording key">
              <TextField
                label="Recording key passphrase"
                hint="The passphrase the data protection officer chose when making the recording key (see Recording key)."
                type="password"
                name="recordingKeyPassphrase"
                autoComplete="off"
                error={
                  failure?.kind === 'wrong_passphrase'
                    ? passphrase === ''
                      ? 'Enter the passphrase.'
                      : 'This passphrase does not open the recording key. Check it against the written copy; letter case matters.'
                    : undefined
                }
                value={passphrase}
                onValue={setPassphrase}
              />
              <div class="form-actions">
                <SubmitButton busy={busy} busyLabel={progress ?? ''}>
                  {purpose === 'play' ? 'Unlock and play' : 'Unlock and download'}
                </SubmitButton>
                <Button variant="link" onClick={props.onClose}>
                  Cancel
                </Button>
              </div>
            </form>
          ) : (
            progress && <Loading label={progress} />
          )}
          {!unlocked && progress && <Loading label={progress} />}
        </>
      )}
      {failure?.kind === 'undecryptable' && (
        <Alert kind="error" title="This track does not decrypt" testId="e2ee-undecryptable">
          <p>
            The recording key opened, but this track's stored data does not decrypt with it: it was encrypted to another key,
            or the stored file was altered or damaged. Nothing of it can be played. Tell your administrator, with the
            recording's id <code>{recordingId}</code>.
          </p>
        </Alert>
      )}
      {failure?.kind === 'other' && <ErrorAlert error={failure.error} title="The recording cannot be opened" />}
      {unlocked && !opened && !busy && failure?.kind === 'other' && (
        <p>
          <Button onClick={() => void open(null)}>Try again</Button>
        </p>
      )}
      {opened && opened.chunks === 0 && (
        <Alert kind="warning" title="Nothing was stored">
          <p>The host's browser stopped before any part of this track was stored, so there is nothing to play.</p>
        </Alert>
      )}
      {opened && opened.chunks > 0 && !opened.complete && (
        <Alert kind="warning" title="This recording was cut short" testId="e2ee-incomplete">
          <p>
            The host's browser stopped before the recording was finished (it was closed, lost its connection or crashed). What
            was stored plays normally, up to the cut; the rest was never recorded.
          </p>
        </Alert>
      )}
      {opened && opened.chunks > 0 && purpose === 'play' && (
        <video controls autoplay preload="metadata" src={opened.url} style={{ maxWidth: '100%' }} data-testid="e2ee-player" />
      )}
      {opened && opened.chunks > 0 && purpose === 'download' && (
        <p>
          Decrypted in your browser and saved as <code>{fileName(trackId)}</code>.{' '}
          <a href={opened.url} download={fileName(trackId)}>
            Save it again
          </a>
        </p>
      )}
      {(opened || unlocked) && (
        <p class="muted">
          Decrypted in this browser only; the unlocked key is forgotten when you leave this page.{' '}
          <Button variant="link" onClick={props.onClose}>
            Close the player
          </Button>
        </p>
      )}
    </div>
  );
}

const fileName = (trackId: string) => `recording-${trackId}.webm`;

function saveAs(url: string, name: string) {
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
}

/** The stored chunks behind an E2EE track's media link, whole: decryption needs every chunk in order. */
async function fetchStoredBytes(url: string): Promise<Uint8Array> {
  let res: Response;
  try {
    res = await fetch(url, { credentials: 'same-origin', cache: 'no-store' });
  } catch (cause) {
    throw new ApiError({ status: 0, code: 'NETWORK', message: 'Parley could not be reached. Check your connection and try again.', requestId: null, cause });
  }
  if (!res.ok) {
    throw new ApiError({
      status: res.status,
      code: 'HTTP_ERROR',
      message: `The recording's stored data could not be fetched (HTTP ${res.status}). Try again in a moment.`,
      requestId: res.headers.get('x-request-id'),
    });
  }
  return new Uint8Array(await res.arrayBuffer());
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
                    {typeof e.data.reason === 'string' && <span class="cell-secondary">Reason: {codeValueInWords(e.type, 'reason', e.data.reason)}</span>}
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
