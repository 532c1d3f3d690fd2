/**
 * Named kill points for the crash drills (docs/crash-drills.md; test/crash/crash-drills.test.ts), as FoundationDB
 * and TiKV have them: `failpoint('export.mid_upload')` SIGKILLs this very process when PARLEY_FAILPOINTS (names,
 * comma-separated) lists that name. A real kill at a precise point — the database, the blob store and the operating
 * system see exactly what a power cut there would leave — so the drill proves what a restart makes of it.
 *
 * For drills only: never set PARLEY_FAILPOINTS in production. It is read once, here (this folder is the only code
 * that reads the environment), when the module loads; an unknown name stops the process before anything runs, so a
 * drill cannot silently arm nothing. Unset, a failpoint costs one Set lookup. It is deliberately not one of the
 * settings (schema.ts): it changes no behaviour anyone would configure, and no configuration file can turn it on.
 */

/** Every failpoint, in one place: the code calls exactly these names and the drills arm exactly these. */
export const FAILPOINTS = [
  // Join: the consent decisions' transaction, written but not committed.
  'join.consent_before_commit',
  // Join over signalling: the participant is taken in, the welcome not yet sent (attendance not yet written).
  'join.before_welcome',
  // Join: the attendance row committed, the participant live in the call.
  'join.after_attendance',
  // Recording: the recording row committed, no track opened yet.
  'recording.after_row',
  // Recording: a track's live upload holds a few whole encrypted chunks.
  'recording.mid_capture',
  // Recording: the finalised object is written, the track row still points at the live one.
  'recording.finalise_before_swap',
  // Retention purge: the data keys of expired items destroyed (committed), their blobs and rows still there.
  'purge.after_keys_destroyed',
  // Retention purge: one blob of the page deleted, the others not.
  'purge.between_blobs',
  // Retention purge: the blobs deleted, the rows not.
  'purge.before_rows_deleted',
  // Access export: the `building` row and its data key committed, nothing uploaded.
  'export.after_row',
  // Access export: part of the encrypted ZIP uploaded.
  'export.mid_upload',
  // Access export: the upload complete, the row not yet `ready`.
  'export.before_ready',
  // Erasure: the subject's tracks crypto-shredded, nothing else erased.
  'erasure.after_tracks_shredded',
  // Erasure: every row deleted or pseudonymised in the transaction, not committed.
  'erasure.before_commit',
  // Erasure: committed; the export blobs not yet deleted.
  'erasure.after_commit',
  // Webhook delivery: the job claimed, nothing sent.
  'webhook.before_post',
  // Webhook delivery: the receiver answered 2xx, the delivery not yet marked delivered.
  'webhook.after_post',
  // `parley keys rotate`: the new KEK version inserted, the old ones not yet retired.
  'keys.rotate.after_new_kek',
  // `parley keys rotate`: a batch of data keys re-wrapped (committed), the old KEK not yet destroyed.
  'keys.rotate.after_batch',
  // `parley keys rotate`: the old KEK versions destroyed, the rotation not yet reported.
  'keys.rotate.after_destroy',
] as const;

export type FailpointName = (typeof FAILPOINTS)[number];

/** The names PARLEY_FAILPOINTS asks for; throws on a name that is not a failpoint. */
export function parseFailpoints(value: string | undefined): ReadonlySet<FailpointName> {
  const names = (value ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
  const unknown = names.filter((n) => !(FAILPOINTS as readonly string[]).includes(n));
  if (unknown.length > 0) throw new Error(`PARLEY_FAILPOINTS: unknown failpoint(s) ${unknown.join(', ')}; known: ${FAILPOINTS.join(', ')}`);
  return new Set(names as FailpointName[]);
}

const armed = parseFailpoints(process.env.PARLEY_FAILPOINTS);
if (armed.size > 0) process.stderr.write(`PARLEY_FAILPOINTS is set: this process kills itself (SIGKILL) at ${[...armed].join(', ')}. Crash drills only.\n`);

/** Kills this process (SIGKILL, nothing flushed, no handler runs) when the drill armed this point; otherwise nothing. */
export function failpoint(name: FailpointName): void {
  if (armed.has(name)) process.kill(process.pid, 'SIGKILL');
}
