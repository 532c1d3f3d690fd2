import type { CallTypeView } from '../call-types/call-type.schema.ts';
import { getCallType } from '../call-types/get-call-type.ts';
import { consentRequests, type ConsentPurpose } from '../consent/consent-texts.ts';
import { appendConsent, currentConsents } from '../consent/consent-ledger.ts';
import type { DbOrTx } from '../db/database.ts';
import type { Deps } from '../deps.ts';
import type { Locale } from '../notices/notice.schema.ts';
import { supportedLocales } from '../notices/notice.schema.ts';
import { renderNotice } from '../notices/render-notice.ts';
import { AppError } from '../shared/app-error.ts';
import type { CallTypeId, OrgId } from '../shared/ids.ts';
import { resolveJoinToken } from '../scheduling/join-links.ts';
import { failpoint } from '../config/failpoints.ts';

/**
 * How long before the scheduled start the join page lets the customer into the call (the lobby). Earlier, the page
 * says when the call is and asks her to come back; she may still read the notice, make her choices and try her
 * camera. The signalling server does not refuse an earlier join: this is guidance, not access control.
 */
export const JOIN_OPENS_MINUTES_BEFORE = 30;

type OpenLink = { orgId: OrgId; callId: string; participantId: string; subjectId: string };

const linkProblems: Record<Locale, Record<'invalid' | 'cancelled' | 'expired' | 'staff', string>> = {
  en: {
    invalid: 'This link is not valid. Check that you opened the whole link from your invitation, or ask the person who invited you for a new one.',
    cancelled: 'This call was cancelled, so the link no longer works. If you still need the appointment, contact the person who invited you.',
    expired: 'This call is over, so the link no longer works. If you need another appointment, contact the person who invited you.',
    staff: 'This link is for a staff member: sign in to the console instead.',
  },
  de: {
    invalid: 'Dieser Link ist ungültig. Prüfen Sie, ob Sie den ganzen Link aus Ihrer Einladung geöffnet haben, oder bitten Sie die einladende Person um einen neuen.',
    cancelled: 'Dieses Gespräch wurde abgesagt, der Link gilt daher nicht mehr. Wenn Sie den Termin noch brauchen, wenden Sie sich an die Person, die Sie eingeladen hat.',
    expired: 'Dieses Gespräch ist vorbei, der Link gilt daher nicht mehr. Für einen neuen Termin wenden Sie sich an die Person, die Sie eingeladen hat.',
    staff: 'Dieser Link ist für Mitarbeitende: Melden Sie sich stattdessen in der Konsole an.',
  },
};

/** What an unusable link answers: which case it is and what the person can do, in their language (never a stack trace). */
async function openLink(db: DbOrTx, deps: Pick<Deps, 'keys' | 'clock'>, token: string, locale: Locale = 'en'): Promise<OpenLink> {
  const state = await resolveJoinToken(db, deps, token);
  const m = linkProblems[locale];
  switch (state.status) {
    case 'invalid':
      throw new AppError('JOIN_LINK_INVALID', m.invalid);
    case 'cancelled':
      throw new AppError('JOIN_CALL_CANCELLED', m.cancelled);
    case 'expired':
      throw new AppError('JOIN_LINK_EXPIRED', m.expired);
    case 'ok':
      if (!state.subjectId) throw new AppError('JOIN_LINK_INVALID', m.staff);
      return { orgId: state.orgId, callId: state.callId, participantId: state.participantId, subjectId: state.subjectId };
    default: {
      const never: never = state;
      return never;
    }
  }
}

async function context(db: DbOrTx, link: OpenLink, locale: Locale) {
  const call = await db.selectFrom('calls').selectAll().where('id', '=', link.callId).executeTakeFirstOrThrow();
  const callType = await getCallType(db, link.orgId, call.call_type_id as CallTypeId);
  const notice = await renderNotice(db, { orgId: link.orgId, callTypeId: callType.id as CallTypeId, locale });
  const org = await db.selectFrom('organisations').select(['legal_name', 'privacy_policy_url']).where('id', '=', link.orgId).executeTakeFirstOrThrow();
  return { call, callType, notice, org, requests: consentRequests(callType, org.legal_name, locale) };
}

/**
 * The join page's first answer: the notice (shown before any camera or microphone request, G15), and one consent
 * question per consent-based purpose with what is in force (G9). A decision made under an older notice version
 * is asked again (G14).
 */
export async function joinInfo(deps: Deps, token: string, locale: Locale) {
  const link = await openLink(deps.db, deps, token, locale);
  const { call, callType, notice, org, requests } = await context(deps.db, link, locale);
  const [agent, participant, current] = await Promise.all([
    deps.db.selectFrom('users').select('display_name').where('id', '=', call.agent_id).executeTakeFirstOrThrow(),
    deps.db.selectFrom('participants').select('display_name').where('id', '=', link.participantId).executeTakeFirstOrThrow(),
    currentConsents(deps.db, link.orgId, link.participantId),
  ]);
  return {
    locale,
    availableLocales: [...supportedLocales],
    // The server's clock: the page says "tomorrow" and opens the join from it, not from the device's own clock.
    now: deps.clock.now().toISOString(),
    call: {
      id: call.id,
      startsAt: call.starts_at,
      endsAt: call.ends_at,
      joinOpensAt: new Date(new Date(call.starts_at).getTime() - JOIN_OPENS_MINUTES_BEFORE * 60_000).toISOString(),
      // The organisation's time zone, which the invitation's times are written in too.
      timeZone: deps.config.timeZone,
      callTypeName: callType.name,
      organisationName: org.legal_name,
      agentName: agent.display_name,
      lobbyEnabled: callType.lobbyEnabled,
    },
    participant: { displayName: participant.display_name },
    privacyPolicyUrl: org.privacy_policy_url,
    notice,
    consents: requests.map((r) => {
      const latest = current.get(r.purpose);
      return {
        purpose: r.purpose,
        text: r.text,
        textHash: r.textHash,
        current: (latest?.action ?? null) as 'given' | 'declined' | 'withdrawn' | null,
        needsDecision: !latest || Number(latest.notice_version) !== notice.notice.version,
      };
    }),
  };
}

function retentionDays(ct: CallTypeView) {
  return ct.retention.consentDays;
}

const stale = (what: string) =>
  new AppError('CONFLICT', `The ${what} changed while the page was open. Reload the page, read it again and choose again.`);

/**
 * Records the customer's choices from the join page in one request: each shown purpose given or declined.
 * Declining everything is fine: joining never depends on an optional purpose (G2).
 */
export async function recordDecisions(
  deps: Deps,
  token: string,
  input: { locale: Locale; noticeHash: string; decisions: readonly { purpose: ConsentPurpose; given: boolean; textHash: string }[] },
) {
  return deps.db.transaction().execute(async (tx) => {
    const link = await openLink(tx, deps, token, input.locale);
    const { callType, notice, requests } = await context(tx, link, input.locale);
    if (input.noticeHash !== notice.notice.contentHash) throw stale('privacy notice');
    const seen = new Set<string>();
    for (const d of input.decisions) {
      const request = requests.find((r) => r.purpose === d.purpose);
      if (!request) throw new AppError('VALIDATION_FAILED', `This call does not ask for consent to "${d.purpose}".`);
      if (seen.has(d.purpose)) throw new AppError('VALIDATION_FAILED', `"${d.purpose}" was sent twice.`);
      seen.add(d.purpose);
      if (request.textHash !== d.textHash) throw stale(`consent text for ${d.purpose}`);
    }
    for (const d of input.decisions) {
      await appendConsent(tx, deps, link.orgId, { type: 'anonymous' }, {
        callId: link.callId,
        participantId: link.participantId,
        subjectId: link.subjectId,
        consentPurpose: d.purpose,
        action: d.given ? 'given' : 'declined',
        withdrawsId: null,
        textHash: d.textHash,
        notice: { id: notice.notice.id, version: notice.notice.version, hash: notice.notice.contentHash },
        locale: input.locale,
        method: 'join_page',
        retentionDays: retentionDays(callType),
      });
    }
    failpoint('join.consent_before_commit');
    return stateOf(tx, link, requests.map((r) => r.purpose));
  });
}

async function stateOf(db: DbOrTx, link: OpenLink, purposes: readonly ConsentPurpose[]) {
  const current = await currentConsents(db, link.orgId, link.participantId);
  return {
    consents: purposes.map((purpose) => ({
      purpose,
      current: (current.get(purpose)?.action ?? null) as 'given' | 'declined' | 'withdrawn' | null,
    })),
  };
}

/**
 * Withdrawal is one request, as giving was (G12): it appends a `withdrawn` row pointing at the consent it ends.
 * Earlier processing stays lawful; what depended only on the consent is stopped by its owner (recording).
 */
export async function withdrawConsent(deps: Deps, token: string, purpose: ConsentPurpose, method: 'join_page' | 'in_call') {
  const { state, link } = await deps.db.transaction().execute(async (tx) => {
    const link = await openLink(tx, deps, token);
    const current = (await currentConsents(tx, link.orgId, link.participantId)).get(purpose);
    if (!current || current.action !== 'given') throw new AppError('CONFLICT', 'There is no consent in force to withdraw for this purpose.');
    const call = await tx.selectFrom('calls').select('call_type_id').where('id', '=', link.callId).executeTakeFirstOrThrow();
    const callType = await getCallType(tx, link.orgId, call.call_type_id as CallTypeId);
    await appendConsent(tx, deps, link.orgId, { type: 'anonymous' }, {
      callId: link.callId,
      participantId: link.participantId,
      subjectId: link.subjectId,
      consentPurpose: purpose,
      action: 'withdrawn',
      withdrawsId: current.id,
      textHash: current.text_hash,
      notice: { id: current.notice_id, version: Number(current.notice_version), hash: current.notice_hash },
      locale: current.locale,
      method,
      retentionDays: retentionDays(callType),
    });
    // The same shape as recording decisions: every purpose this call asks about.
    const org = await tx.selectFrom('organisations').select('legal_name').where('id', '=', link.orgId).executeTakeFirstOrThrow();
    return { state: await stateOf(tx, link, consentRequests(callType, org.legal_name, 'en').map((r) => r.purpose)), link };
  });
  // Committed: a live recording of this person stops capturing them now (G12, G13).
  deps.signals.emit('consentWithdrawn', { orgId: link.orgId, callId: link.callId, participantId: link.participantId, purpose });
  return state;
}

