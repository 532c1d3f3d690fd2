import type { Kysely } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * Recording of end-to-end encrypted calls (issue 8). `recording_keys`: an organisation's recording key pairs, made in
 * a DPO's browser — the public key, and the private key sealed under a passphrase the server never sees; the newest
 * is the one recordings are made to, older ones stay for the recordings made to them. `recording_tracks.e2ee_envelope`:
 * for a track recorded in the agent's browser, which recording key and the ephemeral public key (JSON); null for
 * tracks the server recorded itself.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('recording_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organisations.id'))
    /** JWK of the P-256 public key: {kty, crv, x, y}. */
    .addColumn('public_jwk', 'text', (c) => c.notNull())
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    /** The private key sealed under the DPO's passphrase (PBKDF2-SHA256 → AES-GCM), as JSON; opaque to the server. */
    .addColumn('sealed_private', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    /** When a newer key replaced it for new recordings; null for the active key. */
    .addColumn('retired_at', 'text')
    .execute();
  await db.schema.createIndex('recording_keys_org').on('recording_keys').columns(['org_id', 'created_at']).execute();
  await db.schema.alterTable('recording_tracks').addColumn('e2ee_envelope', 'text').execute();
}
