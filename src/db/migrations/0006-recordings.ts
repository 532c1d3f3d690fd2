import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * Recording (issue 5). A `recordings` row is one stretch of recording in a call, from its start to its stop, with
 * the basis it ran on. Each participant's capture is one or more `recording_tracks`: camera and microphone
 * together, or a screen share on its own, so one person's part can be exported or erased alone (G34). A track is
 * an encrypted blob with its own data key, wrapped by the organisation's key-encryption key (`org_keys`, sealed by
 * the master key): destroying `wrapped_key` makes every copy of the blob unreadable (G27). Organisations choose
 * which roles may play recordings back (default `dpo` only, G22).
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  const personal = (name: string) => sql`${sql.ref(name)} <> ''`;

  await db.schema
    .createTable('org_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organisations.id'))
    .addColumn('version', 'integer', (c) => c.notNull())
    /** The key-encryption key, sealed by the key provider; emptied when the version is retired (destroyed). */
    .addColumn('sealed_key', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('retired_at', 'text')
    .addUniqueConstraint('org_keys_version', ['org_id', 'version'])
    .execute();

  await db.schema
    .alterTable('organisations')
    .addColumn('playback_roles', 'text', (c) => c.notNull().defaultTo('["dpo"]'))
    .execute();

  await db.schema
    .createTable('recordings')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organisations.id'))
    .addColumn('call_id', 'text', (c) => c.notNull().references('calls.id'))
    .addColumn('mode', 'text', (c) => c.notNull().check(sql`mode in ('consent', 'legal_obligation')`))
    /** The law that requires it, for legal-obligation recordings. */
    .addColumn('legal_reference', 'text')
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('recording', 'complete', 'incomplete', 'failed')`))
    .addColumn('started_at', 'text', (c) => c.notNull())
    /** The agent who started it; null when it started with the call (legal obligation). */
    .addColumn('started_by', 'text', (c) => c.references('users.id'))
    .addColumn('stopped_at', 'text')
    .addColumn('stopped_by', 'text', (c) => c.references('users.id'))
    .addColumn('stop_reason', 'text', (c) => c.check(sql`stop_reason is null or stop_reason in ('agent', 'call_ended', 'shutdown', 'crash', 'failed')`))
    /** What went wrong when capture failed (no personal data). */
    .addColumn('failure', 'text')
    /** Restriction of processing (G20): playback and download answer 423 while set. */
    .addColumn('restricted_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('purpose', 'text', (c) => c.notNull().check(personal('purpose')))
    .addColumn('data_category', 'text', (c) => c.notNull().check(personal('data_category')))
    .execute();
  await db.schema.createIndex('recordings_call').on('recordings').columns(['org_id', 'call_id']).execute();
  await db.schema.createIndex('recordings_status').on('recordings').columns(['status']).execute();

  await db.schema
    .createTable('recording_tracks')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organisations.id'))
    .addColumn('recording_id', 'text', (c) => c.notNull().references('recordings.id'))
    .addColumn('call_id', 'text', (c) => c.notNull().references('calls.id'))
    .addColumn('participant_id', 'text', (c) => c.notNull().references('participants.id'))
    /** The customer captured (null for the agent): what access and erasure look up. */
    .addColumn('subject_id', 'text', (c) => c.references('subjects.id'))
    /** `camera`: microphone and camera together; `screen`: a screen share. */
    .addColumn('source', 'text', (c) => c.notNull().check(sql`source in ('camera', 'screen')`))
    /** The lawful basis this person's capture ran on. */
    .addColumn('basis', 'text', (c) => c.notNull().check(sql`basis in ('consent', 'legal_obligation', 'legitimate_interest')`))
    /** The consent record in force when capture started (consent basis). */
    .addColumn('consent_id', 'text')
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status in ('recording', 'finalising', 'complete', 'incomplete', 'failed', 'erased')`),
    )
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('ended_at', 'text')
    .addColumn('end_reason', 'text', (c) =>
      c.check(sql`end_reason is null or end_reason in ('stopped', 'withdrawn', 'left', 'sources_changed', 'call_ended', 'shutdown', 'crash', 'failed')`),
    )
    .addColumn('blob_key', 'text', (c) => c.notNull())
    /** The data key wrapped by the organisation's KEK; null once destroyed (crypto-shredding). */
    .addColumn('wrapped_key', 'text')
    .addColumn('kek_version', 'integer')
    .addColumn('ciphertext_bytes', 'integer')
    .addColumn('plaintext_bytes', 'integer')
    .addColumn('duration_ms', 'integer')
    /** Media codecs in the WebM, e.g. `vp8,opus`. */
    .addColumn('codecs', 'text')
    .addColumn('erased_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('purpose', 'text', (c) => c.notNull().check(personal('purpose')))
    .addColumn('data_category', 'text', (c) => c.notNull().check(personal('data_category')))
    .execute();
  await db.schema.createIndex('recording_tracks_recording').on('recording_tracks').columns(['recording_id']).execute();
  await db.schema.createIndex('recording_tracks_participant').on('recording_tracks').columns(['participant_id']).execute();
  await db.schema.createIndex('recording_tracks_subject').on('recording_tracks').columns(['org_id', 'subject_id']).execute();
  await db.schema.createIndex('recording_tracks_status').on('recording_tracks').columns(['status']).execute();
}
