import type { Readable } from 'node:stream';
import type { Role } from '../accounts/roles.ts';
import type { Deps } from '../deps.ts';
import { actorOf, type Principal } from '../http/principal.ts';
import { DataKeyError, unwrapDataKey } from '../keys/data-keys.ts';
import type { Logger } from '../logging/logger.ts';
import { parsePlaybackRoles } from '../organisations/organisations.ts';
import { AppError, notFound } from '../shared/app-error.ts';
import { iso } from '../shared/clock.ts';
import type { OrgId, UserId } from '../shared/ids.ts';
import { BlobIntegrityError, decryptRange, plaintextLength } from '../storage/blob-format.ts';
import { BlobNotFoundError } from '../storage/blob-store.ts';
import { verifiedStream } from '../storage/verified-stream.ts';
import { signMediaLink, verifyMediaLink } from './media-links.ts';
import type { LinkPurpose } from './recording.schema.ts';
import { findRecording, isPlayable } from './recording-views.ts';
import { isSubjectRestricted } from '../subject-rights/restriction.ts';

/**
 * Playback and download of recorded tracks (G20, G22, G54). Asking for a link is where the rules are applied —
 * the organisation's playback roles, a recent GDPR training, no restriction — and where every attempt, granted or
 * refused, is audited. The link itself only proves that; the media route checks it belongs to the signed-in user,
 * has not expired and that the recording was not restricted since, then decrypts on the fly (nothing decrypted
 * is ever written down).
 */

const roleNames: Readonly<Record<Role, string>> = { admin: 'administrators', dpo: 'data protection officers', agent: 'agents' };

/** Agents review only the calls they host; admins and DPOs (and API tokens) the whole organisation's. */
export function ownAgent(p: Principal): UserId | undefined {
  return p.role === 'agent' && p.kind === 'session' ? p.userId : undefined;
}

const listOf = (items: readonly string[]) =>
  items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;

function trackNotPlayable(status: string): AppError {
  const why: Record<string, string> = {
    recording: 'This track is still being recorded. It can be played once the recording stops.',
    finalising: 'This track is being finalised. Try again in a moment.',
    failed: 'Recording this track failed: there is nothing to play.',
    erased: 'This track was erased (its key was destroyed): it can no longer be played by anyone.',
  };
  return new AppError('TRACK_NOT_PLAYABLE', why[status] ?? 'This track cannot be played.', { details: { status } });
}

function restricted(): AppError {
  return new AppError(
    'RECORDING_RESTRICTED',
    'Processing of this recording is restricted (a data subject request): it stays stored but cannot be played or downloaded until the restriction is lifted.',
  );
}

/** Whether the user recorded a GDPR training completed within the last `validDays` days (today counts). */
async function hasRecentTraining(deps: Deps, orgId: OrgId, userId: UserId): Promise<boolean> {
  const cutoff = iso(new Date(deps.clock.now().getTime() - deps.config.recording.trainingValidDays * 86_400_000)).slice(0, 10);
  const row = await deps.db
    .selectFrom('training_attestations')
    .select('id')
    .where('org_id', '=', orgId)
    .where('user_id', '=', userId)
    .where('completed_on', '>=', cutoff)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Who may play recordings (G22): a role the organisation allows, a signed-in person (not an API token) with a GDPR
 * training within PARLEY_TRAINING_VALID_DAYS. Either the caller's user id, or why not. Used for media links and for
 * the sealed recording key of E2EE recordings alike.
 */
export async function playbackPermission(
  deps: Deps,
  p: Principal,
): Promise<{ ok: true; userId: UserId } | { ok: false; reason: 'role' | 'training'; error: AppError }> {
  const org = await deps.db.selectFrom('organisations').select('playback_roles').where('id', '=', p.orgId).executeTakeFirstOrThrow();
  const allowed = parsePlaybackRoles(org.playback_roles);
  if (!allowed.includes(p.role)) {
    const who = listOf(allowed.map((r) => roleNames[r]));
    return {
      ok: false,
      reason: 'role',
      error: new AppError(
        'PLAYBACK_ROLE_REQUIRED',
        `In your organisation only ${who} may play or download recordings. An administrator or data protection officer can change this in Organisation settings.`,
        { details: { playbackRoles: allowed } },
      ),
    };
  }
  if (p.kind !== 'session') {
    return { ok: false, reason: 'training', error: new AppError('TRAINING_REQUIRED', 'Recordings are played by signed-in people with a recorded GDPR training, not by API tokens.') };
  }
  if (!(await hasRecentTraining(deps, p.orgId, p.userId))) {
    return {
      ok: false,
      reason: 'training',
      error: new AppError(
        'TRAINING_REQUIRED',
        `Playing recordings needs a GDPR training completed within the last ${deps.config.recording.trainingValidDays} days. Record a GDPR training for your account in Users (an administrator or data protection officer can do it), then try again.`,
      ),
    };
  }
  return { ok: true, userId: p.userId };
}

/**
 * Issues a play or download link for one track, after the checks in a fixed order: playback role (403), training
 * (403), restriction (423), a playable track (409). Each refusal of the first three is audited in its own
 * transaction before the error goes back; a granted link is audited once (one event per link, G54).
 */
export async function issueMediaLink(
  deps: Deps,
  p: Principal,
  input: { recordingId: string; trackId: string; purpose: LinkPurpose },
): Promise<{ url: string; expiresAt: string }> {
  const { orgId } = p;
  const recording = await findRecording(deps.db, orgId, input.recordingId, { agentId: ownAgent(p) });
  const track = await deps.db
    .selectFrom('recording_tracks')
    .select(['id', 'status', 'wrapped_key', 'ciphertext_bytes', 'subject_id'])
    .where('org_id', '=', orgId)
    .where('recording_id', '=', recording.id)
    .where('id', '=', input.trackId)
    .executeTakeFirst();
  if (!track) throw notFound('Track');

  const refuse = async (reason: 'role' | 'training' | 'restricted', error: AppError): Promise<never> => {
    await deps.db.transaction().execute((tx) =>
      deps.audit.append(tx, orgId, actorOf(p), { type: 'recording.access_refused', data: { recordingId: recording.id, reason } }),
    );
    throw error;
  };

  const permission = await playbackPermission(deps, p);
  if (!permission.ok) return refuse(permission.reason, permission.error);
  if (recording.restricted_at !== null) return refuse('restricted', restricted());
  // Restriction of everything about the person on this track (G20, subject-rights/restriction.ts).
  if (await isSubjectRestricted(deps.db, orgId, track.subject_id)) return refuse('restricted', restricted());
  if (!isPlayable(track)) throw trackNotPlayable(track.status === 'complete' || track.status === 'incomplete' ? 'erased' : track.status);

  const userId = permission.userId;
  const expires = new Date(deps.clock.now().getTime() + deps.config.recording.linkMinutes * 60_000);
  const token = signMediaLink(deps.keys, {
    trackId: track.id,
    orgId,
    userId,
    purpose: input.purpose,
    exp: Math.floor(expires.getTime() / 1000),
  });
  // A play link is audited as it is granted: the page opens it in its player at once, and a player asks for many
  // ranges of one link, which would otherwise be many events for one playback. A download is audited when its bytes
  // are actually served (openMedia): a link that is made but never followed downloaded nothing.
  if (input.purpose === 'play') {
    await deps.db.transaction().execute((tx) =>
      deps.audit.append(tx, orgId, actorOf(p), { type: 'recording.played', data: { recordingId: recording.id, trackId: track.id } }),
    );
  }
  // The token carries whole seconds: say the same instant to the caller.
  return { url: `/api/recording-media/${token}`, expiresAt: iso(new Date(Math.floor(expires.getTime() / 1000) * 1000)) };
}

export type ByteRange = { readonly start: number; readonly end: number };

/**
 * A `Range` header against a body of `size` bytes (RFC 9110 §14). One range only: a request for several is
 * answered with the whole body (a server may ignore Range; players ask for one). A header that is not a valid
 * byte range is ignored the same way. `unsatisfiable`: a valid range that lies outside the body (→ 416).
 */
export function parseRange(header: string | undefined, size: number): { kind: 'whole' } | { kind: 'range'; range: ByteRange } | { kind: 'unsatisfiable' } {
  if (header === undefined) return { kind: 'whole' };
  const match = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!match) return { kind: 'whole' };
  const [, first = '', last = ''] = match;
  const num = (digits: string) => {
    const n = Number(digits);
    return Number.isSafeInteger(n) ? n : Number.POSITIVE_INFINITY;
  };
  if (first === '' && last === '') return { kind: 'whole' };
  if (first === '') {
    const suffix = num(last);
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'range', range: { start: Math.max(0, size - suffix), end: size - 1 } };
  }
  const start = num(first);
  const end = last === '' ? Number.POSITIVE_INFINITY : num(last);
  if (end < start) return { kind: 'whole' };
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'range', range: { start, end: Math.min(end, size - 1) } };
}

export type MediaAnswer =
  | { readonly kind: 'unsatisfiable'; readonly size: number }
  | {
      readonly kind: 'media';
      readonly status: 200 | 206;
      readonly headers: Readonly<Record<string, string>>;
      readonly body: Readable;
    };

function corrupt(log: Logger, trackId: string, err: unknown): AppError {
  const reason = err instanceof BlobIntegrityError ? err.reason : 'missing';
  log.error({ trackId, reason }, 'recorded track failed its integrity check');
  return new AppError(
    'RECORDING_CORRUPT',
    'This recording cannot be played: the file failed its integrity check (it was altered or damaged in storage). The incident was logged.',
    { internal: `track ${trackId}: ${err instanceof Error ? err.message : String(err)}` },
  );
}

/**
 * Opens a link for the signed-in user: the decrypted WebM (or the asked-for byte range) as a stream. Before a
 * byte is sent the final chunk (for a complete track) and the first chunk needed are verified, so a damaged file
 * answers 500 RECORDING_CORRUPT; a chunk failing later makes the stream error, and the response is cut off rather
 * than carrying bytes that did not verify.
 */
export async function openMedia(
  deps: Deps,
  p: Principal,
  token: string,
  rangeHeader: string | undefined,
  log: Logger,
  options: { readonly servesBytes: boolean } = { servesBytes: true },
): Promise<MediaAnswer> {
  // The route lets in any session (so a missing one is a plain 401); a session still at its second factor is not
  // signed in enough to watch a recording.
  if (p.kind === 'session' && p.stage !== 'active') {
    throw p.stage === 'totp'
      ? new AppError('TOTP_REQUIRED', 'Enter the code from your authenticator app to finish signing in.')
      : new AppError('TOTP_ENROLMENT_REQUIRED', 'Set up two-factor authentication to continue.');
  }
  const link = verifyMediaLink(deps.keys, token);
  // Another organisation's link is as unknown here as a forged one (STYLE 11).
  if (!link || link.orgId !== p.orgId) {
    throw new AppError('LINK_INVALID', 'This recording link is not valid. Open the recording again from the console to get a new one.');
  }
  if (p.kind !== 'session' || link.userId !== p.userId) {
    throw new AppError('LINK_NOT_YOURS', 'This recording link was issued to another person. Links work only for whoever asked for them.');
  }
  if (link.exp * 1000 <= deps.clock.now().getTime()) {
    throw new AppError('LINK_EXPIRED', 'This recording link has expired. Open the recording again from the console to get a new one.');
  }
  const orgId = p.orgId;
  const track = await deps.db.selectFrom('recording_tracks').selectAll().where('org_id', '=', orgId).where('id', '=', link.trackId).executeTakeFirst();
  if (!track) throw new AppError('LINK_INVALID', 'This recording link is not valid. Open the recording again from the console to get a new one.');
  const recording = await deps.db
    .selectFrom('recordings')
    .select(['id', 'restricted_at'])
    .where('org_id', '=', orgId)
    .where('id', '=', track.recording_id)
    .executeTakeFirstOrThrow();
  if (recording.restricted_at !== null || (await isSubjectRestricted(deps.db, orgId, track.subject_id))) {
    // Restricted (the recording, or the person on the track) after the link was issued: refused and audited like a refused link (G20, G54).
    await deps.db.transaction().execute((tx) =>
      deps.audit.append(tx, orgId, actorOf(p), { type: 'recording.access_refused', data: { recordingId: recording.id, reason: 'restricted' } }),
    );
    throw restricted();
  }
  if (!isPlayable(track) || track.wrapped_key === null || track.kek_version === null || track.ciphertext_bytes === null) {
    throw trackNotPlayable(track.status === 'complete' || track.status === 'incomplete' ? 'erased' : track.status);
  }

  let dataKey: Buffer;
  try {
    dataKey = await unwrapDataKey(deps.db, deps.keys, orgId, track.id, { kekVersion: Number(track.kek_version), wrapped: track.wrapped_key });
  } catch (err) {
    if (!(err instanceof DataKeyError)) throw err;
    log.error({ trackId: track.id, reason: err.reason }, 'data key of a recorded track does not open');
    throw new AppError('INTERNAL', 'The key of this recording could not be opened. The error was logged.', { internal: err.message });
  }
  const blobKey = track.blob_key;
  const read = (start: number, end: number) => deps.blobs.read(blobKey, start, end);
  const ciphertextBytes = Number(track.ciphertext_bytes);
  const requireFinal = track.status === 'complete';

  let size: number;
  try {
    size = await plaintextLength(read, ciphertextBytes, dataKey, requireFinal);
  } catch (err) {
    if (err instanceof BlobIntegrityError || err instanceof BlobNotFoundError) throw corrupt(log, track.id, err);
    throw err;
  }
  const range = parseRange(rangeHeader, size);
  if (range.kind === 'unsatisfiable') return { kind: 'unsatisfiable', size };

  const bounds = range.kind === 'range' ? range.range : size > 0 ? { start: 0, end: size - 1 } : null;
  const pieces = bounds
    ? decryptRange(read, ciphertextBytes, dataKey, { ...bounds, requireFinal })
    : (async function* (): AsyncGenerator<Buffer> {})();
  const trackId = track.id;
  let body: Readable;
  try {
    body = await verifiedStream(pieces, (err) =>
      log.error({ trackId, reason: err instanceof BlobIntegrityError ? err.reason : 'read' }, 'recorded track failed its integrity check while streaming'),
    );
  } catch (err) {
    if (err instanceof BlobIntegrityError || err instanceof BlobNotFoundError) throw corrupt(log, track.id, err);
    throw err;
  }

  if (link.purpose === 'download' && options.servesBytes) {
    // Audited now, before the first byte leaves and after the stored file checked out: each request that serves a
    // download is one event (a resumed download asks again, and is another), a link never followed is none, and a
    // HEAD request (headers only: size, name) downloads nothing.
    try {
      await deps.db.transaction().execute((tx) =>
        deps.audit.append(tx, orgId, actorOf(p), { type: 'recording.downloaded', data: { recordingId: recording.id, trackId: track.id } }),
      );
    } catch (err) {
      body.destroy();
      throw err;
    }
  }

  const length = bounds ? bounds.end - bounds.start + 1 : 0;
  // A track recorded in the agent's browser (E2EE call) is served as stored: chunks encrypted to the organisation's
  // recording key, which only a DPO's console can open (docs/e2ee.md); the server cannot make a WebM of it.
  const e2ee = track.e2ee_envelope !== null;
  const headers: Record<string, string> = {
    'content-type': e2ee ? 'application/octet-stream' : 'video/webm',
    'accept-ranges': 'bytes',
    'content-length': String(length),
    'cache-control': 'no-store',
  };
  if (range.kind === 'range') headers['content-range'] = `bytes ${range.range.start}-${range.range.end}/${size}`;
  if (link.purpose === 'download') {
    headers['content-disposition'] = `attachment; filename="${downloadName(track, deps.config.timeZone, e2ee)}"`;
  }
  return { kind: 'media', status: range.kind === 'range' ? 206 : 200, headers, body };
}

/**
 * The name a downloaded track is saved under: what it is and when it started, in the installation's time zone, and
 * the track id to tell two apart — `recording-2026-12-01-0930-camera-track_….webm`. Never the person's name: a
 * file name travels into folders, mail and backups where erasure cannot follow it.
 */
export function downloadName(track: { id: string; source: string; started_at: string }, timeZone: string, e2ee: boolean): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
      .formatToParts(new Date(track.started_at))
      .map((part) => [part.type, part.value]),
  );
  const when = `${parts.year}-${parts.month}-${parts.day}-${parts.hour}${parts.minute}`;
  const source = track.source === 'screen' ? 'screen' : 'camera';
  return `recording-${when}-${source}-${track.id}.${e2ee ? 'e2ee' : 'webm'}`;
}
