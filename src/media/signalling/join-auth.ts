import { resolveSession } from '../../accounts/sessions.ts';
import { getCallType } from '../../call-types/get-call-type.ts';
import type { Deps } from '../../deps.ts';
import type { ClientMessage, SignalErrorCode } from '../../protocol/signalling.ts';
import { iso } from '../../shared/clock.ts';
import type { CallTypeId, OrgId } from '../../shared/ids.ts';
import type { RecordingFacts } from '../../recording/call-recording.ts';
import { JOIN_GRACE_MINUTES, resolveJoinToken } from '../../scheduling/join-links.ts';

/** Who a socket speaks for once its `join` is accepted. */
export interface JoinIdentity {
  readonly orgId: OrgId;
  readonly callId: string;
  readonly participantId: string;
  readonly kind: 'agent' | 'customer';
  readonly displayName: string;
  readonly lobbyEnabled: boolean;
  /** The agent's user id (for the audit log); null for a customer. */
  readonly userId: string | null;
  /** The scheduled end of the call (ISO) and the call type's retention: what the call's records expire by. */
  readonly endsAt: string;
  readonly callMetadataDays: number;
  readonly chatDays: number;
  /** Whether chat messages are kept (sealed) after the call, or only relayed. */
  readonly chatKept: boolean;
  /** The customer's pseudonymous subject id (null for the agent). */
  readonly subjectId: string | null;
  /** The language the participant's page asked for (recording prompts are written in it). */
  readonly locale: 'en' | 'de';
  /** The call type requires end-to-end encrypted media (the join declared it can). */
  readonly e2ee: boolean;
  /** What the call's recording needs (src/recording/call-recording.ts). */
  readonly recording: Omit<RecordingFacts, 'orgId' | 'callId'>;
}

export type JoinResult = { ok: true; identity: JoinIdentity } | { ok: false; code: SignalErrorCode; message: string };

/** What the WebSocket upgrade request carried (read once, when the socket opened). */
export interface UpgradeContext {
  readonly sessionCookie: string | undefined;
  readonly origin: string | undefined;
  /** Cluster mode: the socket is held by this other node and bridged here, to the call's host. */
  readonly viaNode?: string | undefined;
}

const refused = (code: SignalErrorCode, message: string): JoinResult => ({ ok: false, code, message });

const messages = {
  invalidLink: 'This link is not valid for this call. Open the whole link from your invitation, or ask for a new one.',
  cancelled: 'This call was cancelled.',
  over: 'This call is over.',
  staffLink: 'This link is for a staff member: sign in to the console instead.',
  signIn: 'Sign in to the console to join this call.',
  /** The page's address is shown as the browser sent it (an origin: scheme, host and port, nothing personal). */
  wrongAddress: (opened: string, publicOrigin: string) =>
    `This console is open at ${opened}, but Parley's address is ${publicOrigin}: calls can only be joined from there. Open the console at ${publicOrigin}, sign in and join the call again. (If ${publicOrigin} is not how people reach Parley, the operator sets PARLEY_PUBLIC_URL.)`,
  notAgent: 'Only the agent hosting this call can join it from the console.',
  e2eeUnsupported:
    'This call is end-to-end encrypted, and this browser cannot encrypt video calls. Open the link in a current Chrome, Edge or another Chromium-based browser to join.',
} as const;

/**
 * Checks a `join`: a customer's signed link must be live and name the call asked for; an agent's console session
 * (the cookie of the upgrade request, same-origin only) must belong to the user hosting the call. Every refusal
 * is one of a few fixed answers, so a stranger learns nothing about calls that are not theirs.
 */
export async function authenticateJoin(
  deps: Pick<Deps, 'db' | 'keys' | 'clock' | 'config'>,
  join: Extract<ClientMessage, { type: 'join' }>,
  upgrade: UpgradeContext,
): Promise<JoinResult> {
  if (join.auth.kind === 'link') {
    const link = await resolveJoinToken(deps.db, deps, join.auth.token);
    if (link.status === 'invalid' || link.callId !== join.callId) return refused('JOIN_REFUSED', messages.invalidLink);
    if (link.status === 'cancelled') return refused('CALL_CANCELLED', messages.cancelled);
    if (link.status === 'expired') return refused('CALL_OVER', messages.over);
    if (!link.subjectId) return refused('JOIN_REFUSED', messages.staffLink);
    return checkE2ee(join, await identityOf(deps, link.orgId, link.callId, link.participantId, join.locale));
  }

  // Cross-site pages cannot use the agent's cookie: it is SameSite=Strict, and the origin is checked as well. The
  // usual way to trip this is harmless: the console opened at another address of the same server (127.0.0.1 while
  // PARLEY_PUBLIC_URL says localhost). "Sign in" would send the agent in circles; say what is wrong and where to go.
  const publicOrigin = new URL(deps.config.publicUrl).origin;
  // A socket bridged from another node of a cluster had its origin checked there, against that node's address.
  if (upgrade.viaNode === undefined && upgrade.origin !== undefined && upgrade.origin !== publicOrigin) {
    return refused('JOIN_REFUSED', messages.wrongAddress(shownOrigin(upgrade.origin), publicOrigin));
  }
  if (!upgrade.sessionCookie) return refused('JOIN_REFUSED', messages.signIn);
  const session = await resolveSession(deps.db, deps.clock, upgrade.sessionCookie);
  if (!session || session.stage !== 'active') return refused('JOIN_REFUSED', messages.signIn);
  const call = await deps.db
    .selectFrom('calls')
    .select(['id', 'agent_id', 'status', 'ends_at'])
    .where('org_id', '=', session.orgId)
    .where('id', '=', join.callId)
    .executeTakeFirst();
  if (!call || call.agent_id !== session.userId) return refused('JOIN_REFUSED', messages.notAgent);
  if (call.status === 'cancelled') return refused('CALL_CANCELLED', messages.cancelled);
  const closes = new Date(new Date(call.ends_at).getTime() + JOIN_GRACE_MINUTES * 60_000);
  if (call.status === 'ended' || iso(deps.clock.now()) > iso(closes)) return refused('CALL_OVER', messages.over);
  const participant = await deps.db
    .selectFrom('participants')
    .select('id')
    .where('org_id', '=', session.orgId)
    .where('call_id', '=', call.id)
    .where('kind', '=', 'agent')
    .where('user_id', '=', session.userId)
    .executeTakeFirst();
  if (!participant) return refused('JOIN_REFUSED', messages.notAgent);
  return checkE2ee(join, await identityOf(deps, session.orgId, call.id, participant.id, join.locale));
}

/** The Origin header as an address to show: a well-formed origin of sensible length, or words for anything else. */
function shownOrigin(origin: string): string {
  try {
    const parsed = new URL(origin).origin;
    return parsed !== 'null' && parsed.length <= 200 ? parsed : 'another address';
  } catch {
    return 'another address';
  }
}

/** An E2EE call is never joined by a client that would send media unencrypted (no silent downgrade). */
function checkE2ee(join: Extract<ClientMessage, { type: 'join' }>, result: JoinResult): JoinResult {
  if (result.ok && result.identity.e2ee && join.e2ee !== true) return refused('E2EE_UNSUPPORTED', messages.e2eeUnsupported);
  return result;
}

/** The participant speaks the language their page is shown in (`pageLocale`, from the join message), else the call's own. */
async function identityOf(deps: Pick<Deps, 'db'>, orgId: OrgId, callId: string, participantId: string, pageLocale: 'en' | 'de' | undefined): Promise<JoinResult> {
  const row = await deps.db
    .selectFrom('participants as p')
    .innerJoin('calls as c', 'c.id', 'p.call_id')
    .innerJoin('organisations as o', 'o.id', 'p.org_id')
    .select(['p.kind', 'p.display_name', 'p.user_id', 'p.subject_id', 'c.call_type_id', 'c.ends_at', 'c.locale', 'o.legal_name', 'o.residency_safeguard'])
    .where('p.org_id', '=', orgId)
    .where('p.id', '=', participantId)
    .executeTakeFirstOrThrow();
  const callType = await getCallType(deps.db, orgId, row.call_type_id as CallTypeId);
  return {
    ok: true,
    identity: {
      orgId,
      callId,
      participantId,
      kind: row.kind === 'agent' ? 'agent' : 'customer',
      displayName: row.display_name,
      lobbyEnabled: callType.lobbyEnabled,
      userId: row.kind === 'agent' ? row.user_id : null,
      endsAt: row.ends_at,
      callMetadataDays: callType.retention.callMetadataDays,
      chatDays: callType.retention.chatDays,
      chatKept: callType.chatKept,
      subjectId: row.kind === 'agent' ? null : row.subject_id,
      locale: pageLocale ?? (row.locale === 'de' ? 'de' : 'en'),
      e2ee: callType.e2eeRequired,
      recording: {
        callTypeId: callType.id as CallTypeId,
        mode: callType.recordingMode,
        legalReference: callType.recordingLegalReference,
        staffBasis: callType.staffRecordingBasis,
        recordingsDays: callType.retention.recordingsDays,
        consentDays: callType.retention.consentDays,
        organisationName: row.legal_name,
        residencySafeguard: row.residency_safeguard,
      },
    },
  };
}
