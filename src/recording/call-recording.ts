import type { AuditActor } from '../audit/events.ts';
import { appendConsent, currentConsents } from '../consent/consent-ledger.ts';
import type { Deps } from '../deps.ts';
import { enqueueJob } from '../jobs/enqueue-job.ts';
import type { Logger } from '../logging/logger.ts';
import type { PublicationHandle } from '../media/media-api.ts';
import type { Locale } from '../notices/notice.schema.ts';
import { renderNotice } from '../notices/render-notice.ts';
import type { CaptureState, ClientMessage, RecordingState, ServerMessage, SignalErrorCode } from '../protocol/signalling.ts';
import { iso } from '../shared/clock.ts';
import { addDays } from '../shared/dates.ts';
import { newId, type CallTypeId, type OrgId } from '../shared/ids.ts';
import { customerScript, recordingPrompt, type RecordingPromptText, type RecordingTextFacts } from './recording-texts.ts';
import type { CaptureHost, RunningCapture } from './capture-host.ts';
import { TrackWriter } from './track-writer.ts';
import { closeTrack, openTrack, openTrackRow, type OpenTrackInput, type TrackBasis, type TrackEndReason, type TrackSink, type TrackSource } from './tracks.ts';
import type { E2eeUploads } from './e2ee-uploads.ts';
import { insertRecording, type PersistedRecording } from './recording-row.ts';
import { activeRecordingKey } from './recording-keys.ts';
import { emitWebhook } from '../webhooks/emit-webhook.ts';

/** What a live call's recording needs to know about its call and call type. */
export interface RecordingFacts {
  readonly orgId: OrgId;
  readonly callId: string;
  readonly callTypeId: CallTypeId;
  readonly mode: 'off' | 'consent' | 'legal_obligation';
  readonly legalReference: string | null;
  /** How staff are recorded, as the call type declares it (G7: never consent; follows the recording mode). */
  readonly staffBasis: 'legitimate_interest' | 'legal_obligation' | null;
  readonly recordingsDays: number;
  readonly consentDays: number;
  readonly organisationName: string;
  /** A transfer safeguard the organisation recorded (G52): needed when the blob store is outside the EEA. */
  readonly residencySafeguard: string | null;
}

/** One participant as the recording sees them; LiveCall provides these. */
export interface RecordingParticipant {
  readonly id: string;
  readonly kind: 'agent' | 'customer';
  readonly userId: string | null;
  readonly subjectId: string | null;
  readonly locale: Locale;
  readonly admitted: boolean;
  send(message: ServerMessage): void;
  error(code: SignalErrorCode, message: string): void;
  /** The sources this participant publishes now. */
  publications(): readonly PublicationHandle[];
}

export interface RecordingHost {
  participants(): Iterable<RecordingParticipant>;
  get(participantId: string): RecordingParticipant | undefined;
}

type RecordingMessage = Extract<ClientMessage, { type: 'recording-start' | 'recording-stop' | 'recording-answer' | 'recording-withdraw' }>;

/** A capture running for one participant and one group of sources (camera+microphone, or screen). */
interface ActiveCapture {
  readonly source: TrackSource;
  /** Published-track ids it was built from: a change of sources means a new track. */
  readonly signature: string;
  capture: RunningCapture | null;
  /** E2EE calls: the agent whose browser records this capture (the server only stores what it uploads). */
  browser: { readonly recorderId: string } | null;
  writer: TrackSink | null;
  trackId: string | null;
  /** Set when the capture must end; the opening work checks it once its track exists. */
  ending: TrackEndReason | null;
  readonly opened: Promise<void>;
}

interface Person {
  state: CaptureState;
  prompt: RecordingPromptText | null;
  basis: TrackBasis | null;
  consentId: string | null;
  readonly captures: Map<TrackSource, ActiveCapture>;
}

interface Active {
  readonly recordingId: string;
  readonly startedAt: string;
  readonly mode: 'consent' | 'legal_obligation';
  failed: boolean;
  /** Resolves once the recording's row has committed: every track opens only after it (finding 1 of issue 12). */
  readonly persisted: Promise<PersistedRecording>;
  /** Cluster mode: taken over from another node; customers' earlier answers come from the ledger. */
  readonly adopted?: boolean;
}

export interface CallRecordingOptions {
  readonly logger: Logger;
  /** Registers async work so shutdown and tests can wait for it. */
  readonly track: (work: Promise<unknown>) => void;
  /** Plaintext bytes per encrypted chunk (tests use small ones to see chunks land sooner). */
  readonly chunkSize?: number | undefined;
  /**
   * E2EE calls: the server cannot see the media, so the recording agent's browser records and encrypts it to the
   * organisation's recording key, and uploads it through this registry (docs/e2ee.md). Null for other calls.
   */
  readonly e2ee?: E2eeUploads | null | undefined;
  /** How long a stopped E2EE capture waits for the browser's last chunk, in ms. */
  readonly e2eeLastChunkMs?: number | undefined;
  /** Where captures run: beside the call's tracks (this process, or the call's media worker). */
  readonly captures: CaptureHost;
  /** Cluster mode: claims the call's recording another node was writing, if there is one (recording-row.ts). */
  readonly adopt?: ((callId: string) => Promise<{ id: string; startedAt: string; mode: 'consent' | 'legal_obligation' } | null>) | undefined;
}

const texts = {
  notAllowed: 'This call type does not allow recording.',
  agentOnly: 'Only the host can start or stop the recording.',
  legalCannotStop: 'Recording is required by law for this call type and cannot be switched off.',
  alreadyActive: 'The recording is already running.',
  notActive: 'No recording is running.',
  nothingToAnswer: 'There is no recording question to answer.',
  stale: 'The recording notice changed. Read it again and choose again.',
  notCaptured: 'You are not being recorded, so there is nothing to withdraw.',
  mustAcknowledge: 'This recording is required by law: it can only be acknowledged, or you can leave the call.',
  region: 'Recordings would be stored outside the EEA, and no transfer safeguard is recorded for your organisation. Ask an admin to record one in the organisation settings.',
  failed: 'Recording failed: part of this call is not being recorded. The failure has been logged. Check the recording in the console.',
  noRecordingKey:
    'This call is end-to-end encrypted and your organisation has no recording key yet, so it cannot be recorded. A data protection officer creates one in the console (Recording key).',
} as const;

/**
 * The recording of one live call (issue 5). It decides who is captured — the agent whenever recording runs
 * (never on consent, G7), a customer only after they consented in the call or acknowledged a legal-obligation
 * notice (G2, G8, G18) — and runs one encrypted capture per participant and source group. Every state change is
 * sent to everyone; the database side (ledger, tracks, audit) runs in order on one chain.
 *
 * Withdrawal detaches the person's captures synchronously, before any database work, so their capture stops
 * within milliseconds of the message (G12); the ledger row and the erasure job follow.
 */
export class CallRecording {
  readonly #people = new Map<string, Person>();
  readonly #log: Logger;
  #active: Active | null = null;
  #chain: Promise<void> = Promise.resolve();
  #closed = false;
  /** Cluster mode: looking for a recording of this call that another node was writing, to go on with it. */
  #adopting = false;

  constructor(
    private readonly deps: Pick<Deps, 'db' | 'keys' | 'clock' | 'audit' | 'blobs' | 'config'>,
    readonly facts: RecordingFacts,
    private readonly host: RecordingHost,
    private readonly options: CallRecordingOptions,
  ) {
    this.#log = options.logger.child({ module: 'recording' });
    if (options.adopt) this.#adopt(options.adopt);
  }

  get active(): boolean {
    return this.#active !== null;
  }

  get recordingId(): string | null {
    return this.#active?.recordingId ?? null;
  }

  /** Resolves when the database work asked for so far has finished. */
  settled(): Promise<void> {
    return this.#chain;
  }

  #run(what: string, work: () => Promise<void>): Promise<void> {
    const run = this.#chain.then(work).catch((err: unknown) => this.#log.error({ err, what }, 'recording work failed'));
    this.#chain = run;
    this.options.track(run);
    return run;
  }

  #person(id: string): Person {
    let p = this.#people.get(id);
    if (!p) {
      p = { state: 'not-recorded', prompt: null, basis: null, consentId: null, captures: new Map() };
      this.#people.set(id, p);
    }
    return p;
  }

  // ----- what LiveCall tells us -------------------------------------------------------------------------------

  /** A participant's socket joined (or rejoined): tell them the state; a legal-obligation call starts recording with its agent. */
  joined(participant: RecordingParticipant): void {
    if (this.#closed) return;
    if (this.options.e2ee && this.#active && participant.kind === 'agent') this.#recorderRejoined(participant.id);
    if (participant.kind === 'agent' && this.facts.mode === 'legal_obligation' && !this.#active && !this.#adopting) {
      this.#start({ type: 'system' });
      return;
    }
    if (this.#active?.adopted && participant.kind === 'customer' && participant.admitted) void this.#run('include adopted', () => this.#includeAdopted(participant));
    else if (this.#active && participant.admitted) this.#include(participant);
    else this.#send(participant);
  }

  /** A customer was let in from the lobby: if recording runs, they are asked before anything of them is captured (G18). */
  admitted(participant: RecordingParticipant): void {
    if (this.#closed) return;
    if (this.#active?.adopted && participant.kind === 'customer') void this.#run('include adopted', () => this.#includeAdopted(participant));
    else if (this.#active) this.#include(participant);
    else this.#send(participant);
  }

  /** A participant's published sources changed: captures follow (a new track per change). */
  sourcesChanged(participant: RecordingParticipant): void {
    if (this.#closed || !this.#active) return;
    const person = this.#people.get(participant.id);
    if (person?.state === 'captured') this.#syncCaptures(participant, person);
  }

  /** A participant left (or their peer went away): their captures end. */
  left(participantId: string): void {
    // E2EE: the agent whose browser records has gone, so nothing more can be recorded; the recording stops
    // (and, for legal-obligation recording, starts again when an agent joins).
    if (this.options.e2ee && this.#active && this.#isRecorder(participantId)) {
      this.#stop('agent', 'left', null);
    }
    const person = this.#people.get(participantId);
    if (!person) return;
    this.#endCaptures(participantId, person, 'left');
    if (person.state === 'captured' || person.state === 'asked') person.state = 'not-recorded';
    this.#people.delete(participantId);
    this.#broadcast();
  }

  /**
   * A participant's page came back within the grace period (a reload, a dropped network): their old peer connection
   * is about to be replaced. What was captured of it ends now as `left` (they did leave; the console reads a later
   * track of the same person as their return), not as a change of camera; their consent and state stay, so the
   * sources the new connection publishes open a new track attributed to the same participant.
   */
  rejoined(participantId: string): void {
    if (this.#closed) return;
    const person = this.#people.get(participantId);
    if (person) this.#endCaptures(participantId, person, 'left');
  }

  /**
   * The media worker holding the call's tracks died: every capture ends (`crash`) and its track is recovered from what
   * reached the store (`incomplete`, to its last whole chunk). The recording itself goes on: captures start again, in
   * new tracks, when the participants are back with their sources.
   */
  mediaLost(): void {
    if (this.#closed) return;
    for (const [id, person] of this.#people) this.#endCaptures(id, person, 'crash');
  }

  handle(participant: RecordingParticipant, message: RecordingMessage): void {
    if (this.#closed) return;
    switch (message.type) {
      case 'recording-start':
        if (participant.kind !== 'agent') return participant.error('FORBIDDEN', texts.agentOnly);
        if (this.facts.mode === 'off') return participant.error('RECORDING_NOT_ALLOWED', texts.notAllowed);
        if (this.facts.mode === 'legal_obligation') return participant.error('RECORDING_REQUIRED', texts.legalCannotStop);
        if (this.#active) return participant.error('RECORDING_NOT_ALLOWED', texts.alreadyActive);
        if (!this.deps.blobs.location.eea && !this.facts.residencySafeguard) return participant.error('RECORDING_NOT_ALLOWED', texts.region);
        this.#start(participant.userId ? { type: 'user', id: participant.userId } : { type: 'system' });
        return;
      case 'recording-stop':
        if (participant.kind !== 'agent') return participant.error('FORBIDDEN', texts.agentOnly);
        if (this.facts.mode === 'legal_obligation') return participant.error('RECORDING_REQUIRED', texts.legalCannotStop);
        if (!this.#active) return participant.error('RECORDING_NOT_ACTIVE', texts.notActive);
        this.#stop('agent', 'stopped', participant.userId);
        return;
      case 'recording-answer':
        this.#answer(participant, message.given, message.textHash);
        return;
      case 'recording-withdraw':
        this.#withdraw(participant);
        return;
      default: {
        const never: never = message;
        return never;
      }
    }
  }

  /** The call ended or the server shuts down: everything running is stopped and finalised. */
  close(reason: 'call_ended' | 'shutdown'): Promise<void> {
    if (this.#closed) return this.#chain;
    if (this.#active) this.#stop(reason, reason, null);
    this.#closed = true;
    return this.#chain;
  }

  /**
   * Cluster mode: this node gives the call up (it is drained) while the call goes on elsewhere. Every capture ends
   * (`shutdown`: what it wrote is finalised as usual) but the recording itself stays `recording`, for the node the
   * call moves to: it adopts the row and records on in new tracks. Nothing more is captured here.
   */
  handOver(): Promise<void> {
    if (this.#closed) return this.#chain;
    for (const [id, person] of this.#people) this.#endCaptures(id, person, 'shutdown');
    this.#closed = true;
    if (this.#active) this.#log.info({ recordingId: this.#active.recordingId }, 'recording handed over to the next node');
    return this.#chain;
  }

  /**
   * Cluster mode: the call came to this node from another one (it died, or was drained). A recording of the call that
   * is still `recording` goes on here: this node claims it with one conditional update (the node recovering a dead
   * node's work finalises only what nobody claimed), and everyone present is brought in as at a start, so a customer
   * whose consent is in the ledger is captured again at once and the others are asked. With nothing to adopt, a
   * legal-obligation call starts recording with its agent as usual.
   */
  #adopt(adopt: (callId: string) => Promise<{ id: string; startedAt: string; mode: Active['mode'] } | null>): void {
    this.#adopting = true;
    void this.#run('recording.adopted', async () => {
      try {
        const row = await adopt(this.facts.callId);
        if (this.#closed || this.#active) return;
        if (row) {
          this.#active = { recordingId: row.id, startedAt: row.startedAt, mode: row.mode, failed: false, persisted: Promise.resolve(row as unknown as PersistedRecording), adopted: true };
          this.#log.info({ recordingId: row.id }, 'recording adopted from another node');
          for (const participant of this.host.participants()) {
            if (participant.kind === 'customer' && participant.admitted) await this.#includeAdopted(participant);
            else if (participant.kind === 'agent') this.#include(participant);
            else this.#send(participant);
          }
          return;
        }
      } finally {
        this.#adopting = false;
      }
      const agent = [...this.host.participants()].find((p) => p.kind === 'agent');
      if (agent && this.facts.mode === 'legal_obligation' && !this.#active && !this.#closed) this.#start({ type: 'system' });
    });
  }

  /**
   * A customer present when a recording is adopted: what they decided on the other node is in the ledger. Someone
   * who declined or withdrew is not asked again in this recording; a consent given under the current notice counts.
   */
  async #includeAdopted(participant: RecordingParticipant): Promise<void> {
    const active = this.#active;
    if (!active) return;
    if (active.mode === 'consent') {
      const latest = (await currentConsents(this.deps.db, this.facts.orgId, participant.id)).get('recording');
      if (this.#active !== active) return;
      if (latest?.action === 'withdrawn' || latest?.action === 'declined') {
        const person = this.#person(participant.id);
        person.state = latest.action;
        this.#send(participant);
        return;
      }
    }
    this.#include(participant);
  }

  // ----- starting and stopping ------------------------------------------------------------------------------

  #start(actor: AuditActor): void {
    const now = this.deps.clock.now();
    const recordingId = newId('recording');
    const mode = this.facts.mode as Active['mode'];
    let persist!: (row: PersistedRecording) => void;
    let refuse!: (err: unknown) => void;
    const persisted = new Promise<PersistedRecording>((resolve, reject) => ((persist = resolve), (refuse = reject)));
    // Captures wait on this; when the insert fails they fail with it (and nobody else needs to hear of it).
    persisted.catch(() => {});
    const active: Active = { recordingId, startedAt: iso(now), mode, failed: false, persisted };
    this.#active = active;
    const refusedRegion = !this.deps.blobs.location.eea && !this.facts.residencySafeguard;
    void this.#run('recording.started', async () => {
      try {
        persist(
          await insertRecording(
            this.deps,
            { id: recordingId, orgId: this.facts.orgId, callId: this.facts.callId, mode, legalReference: this.facts.legalReference, startedAt: now, recordingsDays: this.facts.recordingsDays },
            actor,
          ),
        );
      } catch (err) {
        refuse(err);
        throw err;
      }
    });
    this.#log.info({ recordingId: active.recordingId, mode: active.mode }, 'recording started');
    if (refusedRegion) {
      // Legal obligation cannot be refused by the agent; a store the organisation may not use is a failure (G55).
      this.#fail('region');
    }
    for (const participant of this.host.participants()) {
      if (participant.kind === 'agent') this.#include(participant);
      else if (participant.admitted) this.#include(participant);
      else this.#send(participant);
    }
  }

  #stop(reason: 'agent' | 'call_ended' | 'shutdown', trackReason: TrackEndReason, userId: string | null): void {
    const active = this.#active;
    if (!active) return;
    this.#active = null;
    const stoppedAt = this.deps.clock.now();
    for (const [id, person] of this.#people) {
      this.#endCaptures(id, person, trackReason);
      person.prompt = null;
      person.basis = null;
      person.consentId = null;
      person.state = 'not-recorded';
    }
    this.#broadcast();
    this.#log.info({ recordingId: active.recordingId, reason }, 'recording stopped');
    void this.#run('recording.stopped', async () => {
      await this.deps.db.transaction().execute(async (tx) => {
        await tx
          .updateTable('recordings')
          .set({
            status: active.failed ? 'failed' : 'complete',
            stopped_at: iso(stoppedAt),
            stopped_by: userId,
            stop_reason: active.failed ? 'failed' : reason,
            expires_at: iso(addDays(stoppedAt, this.facts.recordingsDays)),
          })
          .where('id', '=', active.recordingId)
          .execute();
        await this.deps.audit.append(tx, this.facts.orgId, userId ? { type: 'user', id: userId } : { type: 'system' }, {
          type: 'recording.stopped',
          data: { recordingId: active.recordingId, callId: this.facts.callId, reason },
        });
        await emitWebhook(tx, this.deps, this.facts.orgId, { type: 'recording.stopped', data: { recordingId: active.recordingId, callId: this.facts.callId, reason } });
      });
    });
  }

  // ----- who is captured ------------------------------------------------------------------------------------

  /** Brings one present participant into the running recording: the agent is captured; a customer is asked. */
  #include(participant: RecordingParticipant): void {
    const active = this.#active;
    if (!active) return;
    const person = this.#person(participant.id);
    if (person.state === 'captured' || person.state === 'declined' || person.state === 'withdrawn') {
      this.#send(participant);
      return;
    }
    if (participant.kind === 'agent') {
      person.state = 'captured';
      // What the call type declares for staff (legal obligation with legal-obligation recording, else legitimate
      // interest); the fallback only covers a type that declares none, which cannot record at all.
      person.basis = this.facts.staffBasis ?? (active.mode === 'legal_obligation' ? 'legal_obligation' : 'legitimate_interest');
      this.#syncCaptures(participant, person);
      this.#broadcast();
      return;
    }
    if (active.mode === 'legal_obligation') {
      person.state = 'asked';
      person.prompt = recordingPrompt('legal_obligation', this.#textFacts(), participant.locale);
      this.#broadcast();
      return;
    }
    // Consent mode: a consent given on the join page under the current notice counts (it was an affirmative act
    // on the same terms); anyone else is asked now, and nothing of them is captured until they say yes.
    person.state = 'asked';
    person.prompt = recordingPrompt('consent', this.#textFacts(), participant.locale);
    this.#broadcast();
    void this.#run('join-page consent', async () => {
      const [current, notice] = await Promise.all([
        currentConsents(this.deps.db, this.facts.orgId, participant.id),
        renderNotice(this.deps.db, { orgId: this.facts.orgId, callTypeId: this.facts.callTypeId, locale: participant.locale }),
      ]);
      const latest = current.get('recording');
      if (latest?.action !== 'given' || Number(latest.notice_version) !== notice.notice.version) return;
      if (this.#active !== active || person.state !== 'asked') return;
      person.state = 'captured';
      person.prompt = null;
      person.basis = 'consent';
      person.consentId = latest.id;
      const present = this.host.get(participant.id);
      if (present) this.#syncCaptures(present, person);
      this.#broadcast();
    });
  }

  #answer(participant: RecordingParticipant, given: boolean, textHash: string): void {
    const active = this.#active;
    const person = this.#people.get(participant.id);
    if (!active || !person || person.state !== 'asked' || !person.prompt) return participant.error('RECORDING_NOT_ACTIVE', texts.nothingToAnswer);
    if (person.prompt.textHash !== textHash) return participant.error('STALE_TEXT', texts.stale);
    if (active.mode === 'legal_obligation' && !given) return participant.error('RECORDING_REQUIRED', texts.mustAcknowledge);
    const prompt = person.prompt;
    person.prompt = null;
    if (!given) {
      person.state = 'declined';
      this.#broadcast();
      void this.#run('consent declined', () => this.#ledger(participant, 'declined', prompt, null).then(() => undefined));
      return;
    }
    person.state = 'captured';
    person.basis = active.mode === 'legal_obligation' ? 'legal_obligation' : 'consent';
    if (active.mode === 'consent') {
      // The capture starts once the consent is in the ledger: the track row names it.
      void this.#run('consent given', async () => {
        person.consentId = await this.#ledger(participant, 'given', prompt, null);
        const present = this.host.get(participant.id);
        if (present && this.#active === active && person.state === 'captured') this.#syncCaptures(present, person);
      });
    } else {
      void this.#run('recording.acknowledged', () =>
        this.deps.db.transaction().execute(async (tx) => {
          await this.deps.audit.append(tx, this.facts.orgId, { type: 'anonymous' }, {
            type: 'recording.acknowledged',
            data: { recordingId: active.recordingId, participantId: participant.id, textHash },
          });
        }),
      );
      this.#syncCaptures(participant, person);
    }
    this.#broadcast();
  }

  #withdraw(participant: RecordingParticipant): void {
    const active = this.#active;
    const person = this.#people.get(participant.id);
    if (!active || !person || person.state !== 'captured' || participant.kind !== 'customer') {
      return participant.error('RECORDING_NOT_ACTIVE', texts.notCaptured);
    }
    if (active.mode === 'legal_obligation') return participant.error('RECORDING_REQUIRED', texts.mustAcknowledge);
    // Stop first, synchronously: nothing of this person is taken in after this line (G12).
    this.#endCaptures(participant.id, person, 'withdrawn');
    person.state = 'withdrawn';
    const consentId = person.consentId;
    person.basis = null;
    this.#broadcast();
    this.#log.info({ participantId: participant.id, recordingId: active.recordingId }, 'recording consent withdrawn');
    void this.#run('consent withdrawn', async () => {
      await this.#ledger(participant, 'withdrawn', null, consentId);
      // What was recorded on consent alone is erased (G13, Art. 17(1)(b)); earlier processing stays lawful.
      await this.deps.db.transaction().execute((tx) =>
        enqueueJob(tx, this.deps.clock, this.facts.orgId, 'recording.erase_withdrawn', {
          recordingId: active.recordingId,
          participantId: participant.id,
        }),
      );
    });
  }

  /**
   * The person withdrew their recording consent outside the call (the join page), already in the ledger: their
   * capture stops at once and the consent-only part is queued for erasure, as with the in-call button.
   */
  consentWithdrawnElsewhere(participantId: string): void {
    const active = this.#active;
    const person = this.#people.get(participantId);
    if (this.#closed || !active || !person || person.basis !== 'consent' || person.state !== 'captured') return;
    this.#endCaptures(participantId, person, 'withdrawn');
    person.state = 'withdrawn';
    person.basis = null;
    this.#broadcast();
    this.#log.info({ participantId, recordingId: active.recordingId }, 'recording consent withdrawn on the join page');
    void this.#run('consent withdrawn elsewhere', () =>
      this.deps.db.transaction().execute((tx) =>
        enqueueJob(tx, this.deps.clock, this.facts.orgId, 'recording.erase_withdrawn', { recordingId: active.recordingId, participantId }),
      ).then(() => undefined),
    );
  }

  /** Appends a consent decision for recording to the ledger (G11), with the exact text's hash and the notice version. */
  async #ledger(participant: RecordingParticipant, action: 'given' | 'declined' | 'withdrawn', prompt: RecordingPromptText | null, withdraws: string | null): Promise<string | null> {
    if (!participant.subjectId) return null;
    const notice = await renderNotice(this.deps.db, { orgId: this.facts.orgId, callTypeId: this.facts.callTypeId, locale: participant.locale });
    return this.deps.db.transaction().execute(async (tx) => {
      let textHash = prompt?.textHash ?? null;
      let noticeRef = { id: notice.notice.id, version: notice.notice.version, hash: notice.notice.contentHash };
      let withdrawsId = withdraws;
      if (action === 'withdrawn') {
        const current = (await currentConsents(tx, this.facts.orgId, participant.id)).get('recording');
        withdrawsId = withdraws ?? current?.id ?? null;
        if (current) {
          textHash = current.text_hash;
          noticeRef = { id: current.notice_id, version: Number(current.notice_version), hash: current.notice_hash };
        }
      }
      return appendConsent(tx, this.deps, this.facts.orgId, { type: 'anonymous' }, {
        callId: this.facts.callId,
        participantId: participant.id,
        subjectId: participant.subjectId!,
        consentPurpose: 'recording',
        action,
        withdrawsId,
        textHash: textHash ?? '',
        notice: noticeRef,
        locale: participant.locale,
        method: 'in_call',
        retentionDays: this.facts.consentDays,
      });
    });
  }

  // ----- captures -------------------------------------------------------------------------------------------

  /** Makes the running captures of a captured person match what they publish now. */
  #syncCaptures(participant: RecordingParticipant, person: Person): void {
    const active = this.#active;
    if (!active || active.failed) return;
    const pubs = participant.publications();
    const groups: [TrackSource, PublicationHandle[]][] = [
      ['camera', pubs.filter((t) => t.source === 'audio' || t.source === 'video')],
      ['screen', pubs.filter((t) => t.source === 'screen')],
    ];
    for (const [source, tracks] of groups) {
      const signature = tracks.map((t) => t.id).sort().join(',');
      const current = person.captures.get(source);
      if (current && current.signature === signature) continue;
      if (current) this.#endCapture(participant.id, person, current, 'sources_changed');
      if (tracks.length > 0) this.#openCapture(participant, person, source, tracks, signature, active);
    }
  }

  #openCapture(participant: RecordingParticipant, person: Person, source: TrackSource, tracks: PublicationHandle[], signature: string, active: Active): void {
    let resolveOpened!: () => void;
    const slot: ActiveCapture = {
      source,
      signature,
      capture: null,
      browser: null,
      writer: null,
      trackId: null,
      ending: null,
      opened: new Promise<void>((resolve) => (resolveOpened = resolve)),
    };
    person.captures.set(source, slot);
    const basis = person.basis ?? 'legitimate_interest';
    if (this.options.e2ee) {
      this.#openBrowserCapture(this.options.e2ee, participant, person, slot, basis, active, resolveOpened);
      return;
    }
    const work = (async () => {
      try {
        const recording = await active.persisted;
        const input = this.#trackInput(participant, person, source, basis, recording, false);
        const row = await openTrackRow(this.deps, input);
        slot.trackId = row.trackId;
        if (slot.ending !== null || this.#active !== active) {
          // Withdrawn or stopped while the track was being opened: nothing is captured, the track closes empty.
          slot.writer = new TrackWriter(await this.deps.blobs.createUpload(row.blobKey), row.dataKey, row.trackId, () => {}, input.chunkSize);
          return;
        }
        const running = await this.options.captures.start({ row, chunkSize: input.chunkSize, publications: tracks }, (err, reason) => this.#captureFailed(err, reason));
        slot.writer = running;
        slot.capture = running;
        // Withdrawn or stopped while the capture was being started: it stops before the end of the track runs.
        if (slot.ending !== null || this.#active !== active) await running.stop();
      } catch (err) {
        this.#captureFailed(err, 'store');
      } finally {
        resolveOpened();
      }
    })();
    this.options.track(work);
  }

  /**
   * E2EE calls: the track row and the server-side writer are made here as for any capture, then the recording
   * agent's browser is told to record this participant's source, encrypted to the organisation's recording key,
   * and to upload it (e2ee-uploads.ts). The server stores what arrives, framed, under its own encryption too.
   */
  #openBrowserCapture(
    uploads: E2eeUploads,
    participant: RecordingParticipant,
    person: Person,
    slot: ActiveCapture,
    basis: TrackBasis,
    active: Active,
    resolveOpened: () => void,
  ): void {
    const work = (async () => {
      try {
        const recorder = this.#recorder();
        if (!recorder?.userId) {
          this.#log.warn({ participantId: participant.id }, 'no agent browser to record an E2EE capture');
          return;
        }
        const key = await activeRecordingKey(this.deps, this.facts.orgId);
        if (!key) {
          this.#fail('recording_key');
          return;
        }
        const recording = await active.persisted;
        const opened = await openTrack(this.deps, this.#trackInput(participant, person, slot.source, basis, recording, true), (err) =>
          this.#captureFailed(err, 'store'),
        );
        slot.trackId = opened.trackId;
        slot.writer = opened.writer;
        if (slot.ending !== null || this.#active !== active) return;
        uploads.open({ trackId: opened.trackId, orgId: this.facts.orgId, userId: recorder.userId, keyId: key.id, writer: opened.writer });
        slot.browser = { recorderId: recorder.id };
        recorder.send({ type: 'e2ee-capture-start', trackId: opened.trackId, participantId: participant.id, source: slot.source, recordingKey: key });
      } catch (err) {
        this.#captureFailed(err, 'store');
      } finally {
        resolveOpened();
      }
    })();
    this.options.track(work);
  }

  #trackInput(participant: RecordingParticipant, person: Person, source: TrackSource, basis: TrackBasis, recording: PersistedRecording, e2ee: boolean): OpenTrackInput {
    return {
      orgId: this.facts.orgId,
      recording,
      callId: this.facts.callId,
      participantId: participant.id,
      subjectId: participant.subjectId,
      source,
      basis,
      consentId: person.consentId,
      recordingsDays: this.facts.recordingsDays,
      chunkSize: this.options.chunkSize,
      e2ee,
    };
  }

  /**
   * E2EE: the recording agent's page came back (a reload, a network drop). Its new peer connection has new tracks, and
   * a reloaded page has lost its recorders: every capture it was making ends (what was uploaded stays) and starts
   * again as a new track, so the recording goes on instead of silently stopping.
   */
  #recorderRejoined(recorderId: string): void {
    for (const [id, person] of this.#people) {
      const slots = [...person.captures.values()].filter((slot) => slot.browser?.recorderId === recorderId);
      if (slots.length === 0) continue;
      for (const slot of slots) this.#endCapture(id, person, slot, 'sources_changed');
      const present = this.host.get(id);
      if (present && person.state === 'captured') this.#syncCaptures(present, person);
    }
  }

  /** The agent whose browser records an E2EE call: the first agent present and admitted. */
  #recorder(): RecordingParticipant | undefined {
    for (const p of this.host.participants()) if (p.kind === 'agent' && p.admitted) return p;
    return undefined;
  }

  #isRecorder(participantId: string): boolean {
    for (const person of this.#people.values()) {
      for (const slot of person.captures.values()) if (slot.browser?.recorderId === participantId) return true;
    }
    return this.#recorder()?.id === participantId;
  }

  #endCaptures(participantId: string, person: Person, reason: TrackEndReason): void {
    for (const slot of [...person.captures.values()]) this.#endCapture(participantId, person, slot, reason);
  }

  /** Detaches now (synchronously); finishing and finalising the track run on the chain. */
  #endCapture(participantId: string, person: Person, slot: ActiveCapture, reason: TrackEndReason): void {
    if (person.captures.get(slot.source) === slot) person.captures.delete(slot.source);
    slot.ending = reason;
    const capture = slot.capture;
    let stopping = capture ? capture.stop() : Promise.resolve();
    if (slot.browser && slot.trackId && this.options.e2ee) {
      const uploads = this.options.e2ee;
      const trackId = slot.trackId;
      const recorder = this.host.get(slot.browser.recorderId);
      recorder?.send({ type: 'e2ee-capture-stop', trackId, reason: reason === 'crash' ? 'failed' : reason });
      if (reason === 'withdrawn' || reason === 'failed' || !recorder) {
        // Withdrawal (G12): from this line no chunk of this person is taken, whatever the browser still sends.
        uploads.end(trackId);
      } else {
        stopping = uploads.lastChunk(trackId, this.options.e2eeLastChunkMs ?? 10_000).then(() => uploads.end(trackId));
      }
    }
    const endedAt = this.deps.clock.now();
    void this.#run(`track end (${reason})`, async () => {
      await slot.opened;
      await stopping;
      if (slot.trackId && slot.writer) await this.#closeNow(slot.trackId, slot.writer, reason, endedAt);
    });
    this.#log.info({ participantId, source: slot.source, reason }, 'capture ended');
  }

  async #closeNow(trackId: string, writer: TrackSink, reason: TrackEndReason, endedAt: Date): Promise<void> {
    const status = await closeTrack(this.deps, this.facts.orgId, trackId, writer, reason, endedAt, this.facts.recordingsDays);
    if (status === 'failed') this.#log.warn({ trackId }, 'track could not be finalised');
  }

  #captureFailed(err: unknown, reason: 'store' | 'encoder'): void {
    this.#log.error({ err, reason }, 'capture failed');
    this.#fail(reason);
  }

  /** Capture failed: the agent is alerted at once, the failure is audited and the recording flagged (G55). */
  #fail(reason: 'store' | 'encoder' | 'no_media' | 'region' | 'recording_key'): void {
    const active = this.#active;
    if (!active || active.failed) return;
    active.failed = true;
    for (const participant of this.host.participants()) {
      if (participant.kind === 'agent') {
        const why = reason === 'region' ? ` ${texts.region}` : reason === 'recording_key' ? ` ${texts.noRecordingKey}` : '';
        participant.send({ type: 'recording-alert', message: `${texts.failed}${why}` });
      }
    }
    void this.#run('recording.failed', () =>
      this.deps.db.transaction().execute(async (tx) => {
        await tx.updateTable('recordings').set({ status: 'failed', failure: reason }).where('id', '=', active.recordingId).execute();
        await this.deps.audit.append(tx, this.facts.orgId, { type: 'system' }, {
          type: 'recording.failed',
          data: { recordingId: active.recordingId, callId: this.facts.callId, reason },
        });
      }),
    );
  }

  // ----- telling people -------------------------------------------------------------------------------------

  #textFacts(): RecordingTextFacts {
    return { organisationName: this.facts.organisationName, recordingsDays: this.facts.recordingsDays, legalReference: this.facts.legalReference };
  }

  stateFor(participant: RecordingParticipant): RecordingState {
    const active = this.#active;
    const person = this.#people.get(participant.id);
    return {
      active: active !== null,
      mode: this.facts.mode,
      recordingId: active?.recordingId ?? null,
      startedAt: active?.startedAt ?? null,
      you: active ? (person?.state ?? 'not-recorded') : 'not-recorded',
      prompt:
        active && person?.prompt
          ? { kind: person.prompt.kind, text: person.prompt.text, textHash: person.prompt.textHash, legalReference: active.mode === 'legal_obligation' ? this.facts.legalReference : null }
          : null,
      // The agent keeps the scripts for as long as the recording runs (the page lets them put each away).
      scripts: active && participant.kind === 'agent' ? this.#scripts(active) : [],
      participants:
        participant.kind === 'agent'
          ? [...this.host.participants()]
              .filter((p) => p.id !== participant.id)
              .map((p) => ({ participantId: p.id, state: active ? (this.#people.get(p.id)?.state ?? 'not-recorded') : 'not-recorded' }))
          : [],
    };
  }

  /** What the agent says to each customer present, in the customer's language, for where that customer stands. */
  #scripts(active: Active): RecordingState['scripts'] {
    const scripts: RecordingState['scripts'][number][] = [];
    for (const p of this.host.participants()) {
      if (p.kind !== 'customer' || !p.admitted) continue;
      const state = this.#people.get(p.id)?.state;
      if (state !== 'asked' && state !== 'captured' && state !== 'declined' && state !== 'withdrawn') continue;
      scripts.push({ participantId: p.id, locale: p.locale, state, text: customerScript(active.mode, state, this.#textFacts(), p.locale) });
    }
    return scripts;
  }

  #send(participant: RecordingParticipant): void {
    participant.send({ type: 'recording', state: this.stateFor(participant) });
  }

  /** Everyone gets their own view of the recording. */
  #broadcast(): void {
    for (const participant of this.host.participants()) this.#send(participant);
  }
}
