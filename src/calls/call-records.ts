import type { AuditActor } from '../audit/events.ts';
import { tagged } from '../db/personal-data.ts';
import type { Deps } from '../deps.ts';
import type { Logger } from '../logging/logger.ts';
import { iso } from '../shared/clock.ts';
import { addDays } from '../shared/dates.ts';
import { newId, type OrgId } from '../shared/ids.ts';
import type { QualityAggregate } from '../media/signalling/quality.ts';
import { emitWebhook } from '../webhooks/emit-webhook.ts';
import { failpoint } from '../config/failpoints.ts';

export const CHAT_SEAL_LABEL = 'call-chat';

export type AttendanceLeaveReason = 'left' | 'timeout' | 'declined' | 'ended' | 'closed';

/**
 * Runs at start on a single node: attendance rows still open (no leaving time) belong to calls the previous process
 * was hosting when it died, and nobody is in them now. They are closed as `closed` (the server closed the call) at
 * the time of the restart — the moment of the crash is not known, and this is the first time Parley knows the
 * person is gone. Without it the row stayed open for good: the call's attendance showed them present forever (crash
 * drills, issue 15). Not for a node of a cluster: the calls of live nodes are open. Returns how many were closed.
 */
export async function closeAttendanceLeftOpen(deps: Pick<Deps, 'db' | 'clock'>): Promise<number> {
  const now = iso(deps.clock.now());
  const result = await deps.db.updateTable('call_attendance').set({ left_at: now, leave_reason: 'closed' }).where('left_at', 'is', null).executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** What a live call needs to know about its call to write its records: retention and whether chat is kept. */
export interface CallFacts {
  readonly orgId: OrgId;
  readonly callId: string;
  /** The scheduled end (ISO): expiries count from the later of it and the actual end. */
  readonly endsAt: string;
  readonly callMetadataDays: number;
  readonly chatDays: number;
  readonly chatKept: boolean;
}

/**
 * The database side of one live call: attendance rows, kept chat messages, the quality aggregate and the call's
 * end. Writes run one after another in the order asked (a leave never overtakes its join); a failed write is
 * logged and does not stop the call or the writes after it.
 */
export class CallRecords {
  #chain: Promise<void> = Promise.resolve();
  readonly #attendance = new Map<string, string>();

  constructor(
    private readonly deps: Pick<Deps, 'db' | 'keys' | 'clock' | 'audit'>,
    readonly facts: CallFacts,
    private readonly log: Logger,
    private readonly track: (work: Promise<void>) => void,
  ) {}

  /** Resolves when every write asked for so far has finished. */
  settled(): Promise<void> {
    return this.#chain;
  }

  /** Expiry of call metadata: from the later of the scheduled end and now. */
  #expiry(days: number): string {
    const now = this.deps.clock.now();
    const end = new Date(this.facts.endsAt) > now ? new Date(this.facts.endsAt) : now;
    return iso(addDays(end, days));
  }

  #run(what: string, work: () => Promise<void>): void {
    const run = this.#chain.then(work).catch((err: unknown) => this.log.error({ err, what }, 'call record not written'));
    this.#chain = run;
    this.track(run);
  }

  started(actor: AuditActor): void {
    this.#run('call.started', () =>
      this.deps.db.transaction().execute(async (tx) => {
        await this.deps.audit.append(tx, this.facts.orgId, actor, { type: 'call.started', data: { callId: this.facts.callId } });
      }),
    );
  }

  /** A participant's socket joined (not a rejoin within the grace period). */
  joined(participantId: string, admitted: boolean): void {
    const id = newId('attendance');
    this.#attendance.set(participantId, id);
    const now = iso(this.deps.clock.now());
    this.#run('attendance.joined', async () => {
      await this.deps.db
        .insertInto('call_attendance')
        .values({
          id,
          org_id: this.facts.orgId,
          call_id: this.facts.callId,
          participant_id: participantId,
          joined_at: now,
          admitted_at: admitted ? now : null,
          left_at: null,
          leave_reason: null,
          expires_at: this.#expiry(this.facts.callMetadataDays),
          ...tagged('call_attendance'),
        })
        .execute();
      failpoint('join.after_attendance');
    });
  }

  admitted(participantId: string): void {
    const id = this.#attendance.get(participantId);
    if (!id) return;
    const now = iso(this.deps.clock.now());
    this.#run('attendance.admitted', async () => {
      await this.deps.db.updateTable('call_attendance').set({ admitted_at: now }).where('id', '=', id).execute();
    });
  }

  left(participantId: string, reason: AttendanceLeaveReason): void {
    const id = this.#attendance.get(participantId);
    if (!id) return;
    this.#attendance.delete(participantId);
    const now = iso(this.deps.clock.now());
    const expires = this.#expiry(this.facts.callMetadataDays);
    this.#run('attendance.left', async () => {
      await this.deps.db.updateTable('call_attendance').set({ left_at: now, leave_reason: reason, expires_at: expires }).where('id', '=', id).execute();
    });
  }

  /** Keeps a chat message, sealed, when the call type keeps chat; otherwise does nothing (relayed only). */
  chat(participantId: string, text: string, sentAt: string): void {
    if (!this.facts.chatKept) return;
    const id = newId('chatMessage');
    const sealed = this.deps.keys.seal(CHAT_SEAL_LABEL, id, text);
    this.#run('chat', async () => {
      await this.deps.db
        .insertInto('call_chat_messages')
        .values({
          id,
          org_id: this.facts.orgId,
          call_id: this.facts.callId,
          participant_id: participantId,
          sent_at: sentAt,
          body_sealed: sealed,
          expires_at: this.#expiry(this.facts.chatDays),
          ...tagged('call_chat_messages'),
        })
        .execute();
    });
  }

  /** The agent ended the call: it is `ended` from now on, so links answer "over" and nobody can rejoin. */
  ended(actor: AuditActor): void {
    const now = iso(this.deps.clock.now());
    this.#run('call.ended', () =>
      this.deps.db.transaction().execute(async (tx) => {
        await tx
          .updateTable('calls')
          .set({ status: 'ended', ended_at: now, updated_at: now })
          .where('org_id', '=', this.facts.orgId)
          .where('id', '=', this.facts.callId)
          .where('status', '=', 'scheduled')
          .execute();
        await this.deps.audit.append(tx, this.facts.orgId, actor, { type: 'call.ended', data: { callId: this.facts.callId } });
        await emitWebhook(tx, this.deps, this.facts.orgId, { type: 'call.ended', data: { callId: this.facts.callId } });
      }),
    );
  }

  /** The quality of the session as aggregates over all participants: no participant ids. */
  quality(startedAt: string, aggregate: QualityAggregate): void {
    if (aggregate.samples === 0) return;
    const now = iso(this.deps.clock.now());
    const m = aggregate.metrics;
    this.#run('quality', async () => {
      await this.deps.db
        .insertInto('call_quality')
        .values({
          id: newId('callQuality'),
          org_id: this.facts.orgId,
          call_id: this.facts.callId,
          started_at: startedAt,
          ended_at: now,
          samples: aggregate.samples,
          bitrate_in_kbps_min: m.bitrateInKbps.min,
          bitrate_in_kbps_avg: m.bitrateInKbps.avg,
          bitrate_in_kbps_max: m.bitrateInKbps.max,
          bitrate_out_kbps_min: m.bitrateOutKbps.min,
          bitrate_out_kbps_avg: m.bitrateOutKbps.avg,
          bitrate_out_kbps_max: m.bitrateOutKbps.max,
          packet_loss_pct_min: m.packetLossPct.min,
          packet_loss_pct_avg: m.packetLossPct.avg,
          packet_loss_pct_max: m.packetLossPct.max,
          rtt_ms_min: m.rttMs.min,
          rtt_ms_avg: m.rttMs.avg,
          rtt_ms_max: m.rttMs.max,
          expires_at: this.#expiry(this.facts.callMetadataDays),
          ...tagged('call_quality'),
        })
        .execute();
    });
  }
}
