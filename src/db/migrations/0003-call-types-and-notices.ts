import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * Call types with their purposes and lawful bases, and versioned privacy notices; the organisation's link to
 * its own privacy policy. Booleans are integers 0/1 on both dialects (SQLite has no boolean type); JSON is text.
 * The rules that matter most for the law are also CHECKs here, so no code path can store a call type that
 * records on a legal obligation without naming it (G55) or uses biometrics without a DPIA (G6).
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  await db.schema
    .alterTable('organisations')
    .addColumn('privacy_policy_url', 'text', (c) => c.check(sql`privacy_policy_url is null or privacy_policy_url like 'https://%'`))
    .execute();

  const flag = (name: string) => sql`${sql.ref(name)} in (0, 1)`;
  const days = (name: string) => sql`${sql.ref(name)} >= 0 and ${sql.ref(name)} <= 3650`;

  await db.schema
    .createTable('call_types')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organisations.id'))
    .addColumn('name', 'text', (c) => c.notNull().check(sql`name <> ''`))
    .addColumn('purposes', 'text', (c) => c.notNull())
    .addColumn('recording_mode', 'text', (c) => c.notNull().check(sql`recording_mode in ('off', 'consent', 'legal_obligation')`))
    .addColumn('recording_legal_reference', 'text')
    .addColumn('chat_kept', 'integer', (c) => c.notNull().check(flag('chat_kept')))
    .addColumn('e2ee_required', 'integer', (c) => c.notNull().check(flag('e2ee_required')))
    .addColumn('lobby_enabled', 'integer', (c) => c.notNull().check(flag('lobby_enabled')))
    .addColumn('biometric_features', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('dpia_reference', 'text')
    .addColumn('retention_call_metadata_days', 'integer', (c) => c.notNull().check(days('retention_call_metadata_days')))
    .addColumn('retention_chat_days', 'integer', (c) => c.notNull().check(days('retention_chat_days')))
    .addColumn('retention_recordings_days', 'integer', (c) => c.notNull().check(days('retention_recordings_days')))
    .addColumn('retention_consent_days', 'integer', (c) => c.notNull().check(days('retention_consent_days')))
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('archived_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addCheckConstraint(
      'call_types_legal_reference',
      sql`recording_mode <> 'legal_obligation' or coalesce(recording_legal_reference, '') <> ''`,
    )
    .addCheckConstraint('call_types_dpia', sql`biometric_features = '[]' or coalesce(dpia_reference, '') <> ''`)
    .execute();
  await db.schema.createIndex('call_types_org').on('call_types').columns(['org_id', 'archived_at']).execute();

  await db.schema
    .createTable('privacy_notices')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organisations.id'))
    .addColumn('version', 'integer', (c) => c.notNull().check(sql`version >= 1`))
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('draft', 'published')`))
    .addColumn('texts', 'text', (c) => c.notNull())
    .addColumn('content_hash', 'text')
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('published_by', 'text')
    .addColumn('published_at', 'text')
    .addUniqueConstraint('privacy_notices_org_version', ['org_id', 'version'])
    .addCheckConstraint(
      'privacy_notices_published',
      sql`status = 'draft' or (content_hash is not null and published_at is not null and published_by is not null)`,
    )
    .execute();

  // A published version is what customers were shown and what consent records point at (G14): the database
  // refuses to change or delete it, whoever asks. Drafts stay editable; publishing is the update of a draft.
  if (dialect === 'sqlite') {
    await sql`create trigger privacy_notices_published_immutable before update on privacy_notices
      when old.status = 'published'
      begin select raise(abort, 'a published privacy notice is immutable'); end`.execute(db);
    await sql`create trigger privacy_notices_published_undeletable before delete on privacy_notices
      when old.status = 'published'
      begin select raise(abort, 'a published privacy notice is immutable'); end`.execute(db);
  } else {
    await sql`create function privacy_notices_published_immutable() returns trigger language plpgsql as $$
      begin
        if old.status = 'published' then
          raise exception 'a published privacy notice is immutable';
        end if;
        if tg_op = 'DELETE' then return old; end if;
        return new;
      end $$`.execute(db);
    await sql`create trigger privacy_notices_published_immutable before update or delete on privacy_notices
      for each row execute function privacy_notices_published_immutable()`.execute(db);
  }
}
