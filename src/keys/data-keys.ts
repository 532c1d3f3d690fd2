import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { DbOrTx } from '../db/database.ts';
import { toCount } from '../db/database.ts';
import type { Deps } from '../deps.ts';
import { iso, type Clock } from '../shared/clock.ts';
import { newId, type OrgId } from '../shared/ids.ts';
import type { KeyProvider } from './key-provider.ts';
import { failpoint } from '../config/failpoints.ts';

/**
 * Envelope encryption for blobs. Each object (a recording track) has its own random 256-bit data key; the data
 * key is stored wrapped (AES-256-GCM) by its organisation's key-encryption key (KEK); the KEK is stored in
 * `org_keys` sealed by the master key (KeyProvider). So:
 * - erasing one object destroys its wrapped key (crypto-shredding), and every copy of the blob, backups included,
 *   becomes unreadable;
 * - rotating an organisation's KEK re-wraps the small data keys, never the media;
 * - the wrap is bound to `${orgId}:${objectId}`, so a wrapped key copied onto another row does not open.
 */

const SEAL_LABEL = 'org-kek';
const WRAP_VERSION = 'v1';
const KEY_BYTES = 32;
/** Rows re-wrapped per transaction during rotation: a crash loses at most one batch's work, which a rerun redoes. */
const ROTATE_BATCH = 500;

export interface WrappedKey {
  readonly kekVersion: number;
  readonly wrapped: string;
}

/** A data key that cannot be unwrapped: its KEK is missing or destroyed, or the wrap was altered or moved. */
export class DataKeyError extends Error {
  constructor(
    readonly reason: 'kek-missing' | 'kek-destroyed' | 'unwrap-failed',
    message: string,
  ) {
    super(message);
    this.name = 'DataKeyError';
  }
}

const kekContext = (orgId: OrgId, version: number) => `${orgId}:${version}`;

function sealKek(keys: KeyProvider, orgId: OrgId, version: number, kek: Buffer): string {
  return keys.seal(SEAL_LABEL, kekContext(orgId, version), kek.toString('base64'));
}

function openKek(keys: KeyProvider, orgId: OrgId, version: number, sealed: string): Buffer {
  if (sealed === '') throw new DataKeyError('kek-destroyed', `KEK version ${version} of ${orgId} was destroyed`);
  let kek: Buffer;
  try {
    kek = Buffer.from(keys.open(SEAL_LABEL, kekContext(orgId, version), sealed), 'base64');
  } catch {
    throw new DataKeyError('unwrap-failed', `KEK version ${version} of ${orgId} does not open with the master key`);
  }
  if (kek.length !== KEY_BYTES) throw new DataKeyError('unwrap-failed', `KEK version ${version} of ${orgId} is not 256 bits`);
  return kek;
}

function wrap(kek: Buffer, orgId: OrgId, objectId: string, dataKey: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', kek, iv);
  cipher.setAAD(Buffer.from(`${orgId}:${objectId}`));
  const body = Buffer.concat([cipher.update(dataKey), cipher.final()]);
  return [WRAP_VERSION, iv.toString('base64url'), body.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
}

function unwrap(kek: Buffer, orgId: OrgId, objectId: string, wrapped: string): Buffer {
  const [version, iv, body, tag, ...rest] = wrapped.split('.');
  if (version !== WRAP_VERSION || !iv || !body || !tag || rest.length > 0) {
    throw new DataKeyError('unwrap-failed', 'wrapped data key has an unknown format');
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', kek, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(`${orgId}:${objectId}`));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    const key = Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]);
    if (key.length !== KEY_BYTES) throw new Error('wrong length');
    return key;
  } catch {
    throw new DataKeyError('unwrap-failed', `wrapped data key of ${objectId} does not open (altered, or wrapped for another object)`);
  }
}

/** The KEK new data keys are wrapped with: the newest version not retired. */
async function currentKek(db: DbOrTx, orgId: OrgId): Promise<{ version: number; sealed_key: string } | undefined> {
  return db
    .selectFrom('org_keys')
    .select(['version', 'sealed_key'])
    .where('org_id', '=', orgId)
    .where('retired_at', 'is', null)
    .orderBy('version', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/** Inserts KEK `version` unless another process got there first; returns whether this call inserted it. */
async function insertKek(db: DbOrTx, keys: KeyProvider, clock: Clock, orgId: OrgId, version: number): Promise<boolean> {
  const result = await db
    .insertInto('org_keys')
    .values({
      id: newId('orgKey'),
      org_id: orgId,
      version,
      sealed_key: sealKek(keys, orgId, version, randomBytes(KEY_BYTES)),
      created_at: iso(clock.now()),
      retired_at: null,
    })
    .onConflict((oc) => oc.columns(['org_id', 'version']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
}

/** A fresh 256-bit data key for one object, and its wrapped form for the database (creates the org's KEK v1 on first use, race-safe). */
export async function newDataKey(
  db: DbOrTx,
  keys: KeyProvider,
  clock: Clock,
  orgId: OrgId,
  objectId: string,
): Promise<{ dataKey: Buffer; wrapped: WrappedKey }> {
  let kek = await currentKek(db, orgId);
  if (!kek) {
    // Two first recordings at once both try v1; the unique (org_id, version) lets one win and both use it.
    await insertKek(db, keys, clock, orgId, 1);
    kek = await currentKek(db, orgId);
    if (!kek) throw new DataKeyError('kek-missing', `no KEK for ${orgId} after creating one`);
  }
  const dataKey = randomBytes(KEY_BYTES);
  const wrapped = wrap(openKek(keys, orgId, kek.version, kek.sealed_key), orgId, objectId, dataKey);
  return { dataKey, wrapped: { kekVersion: kek.version, wrapped } };
}

export async function unwrapDataKey(db: DbOrTx, keys: KeyProvider, orgId: OrgId, objectId: string, wrapped: WrappedKey): Promise<Buffer> {
  const row = await db
    .selectFrom('org_keys')
    .select('sealed_key')
    .where('org_id', '=', orgId)
    .where('version', '=', wrapped.kekVersion)
    .executeTakeFirst();
  if (!row) throw new DataKeyError('kek-missing', `${orgId} has no KEK version ${wrapped.kekVersion}`);
  return unwrap(openKek(keys, orgId, wrapped.kekVersion, row.sealed_key), orgId, objectId, wrapped.wrapped);
}

/**
 * `parley keys rotate`: a new KEK version for each organisation (or one), re-wraps every data key (WRAPPED_KEY_TABLES: recorded tracks and access exports) without touching the encrypted objects, then retires the old KEK and destroys its key material. Crash-safe: runs in batches; rows still on the old version are picked up by a rerun.
 *
 * Per organisation: (1) insert KEK version max+1, (2) mark every older version retired (new data keys already
 * use the newest), (3) re-wrap in batches of 500, each its own transaction, every row not on the new version,
 * guarded by the old wrapped value so a key erased meanwhile is never brought back, (4) in one transaction,
 * check no live row is left on an older version and empty the older versions' `sealed_key` (the row stays,
 * with `retired_at`, as a record). A crash anywhere leaves every older KEK that still wraps a key intact; a rerun
 * makes yet another version and re-wraps from whichever version each row is on.
 *
 * Left open: a data key created from the old KEK by a request that read it just before step 1 and commits its
 * row after step 4 is wrapped by a destroyed KEK. Requests take milliseconds and batches longer; run rotation at
 * a quiet time.
 */
/** Every table whose rows hold a data key wrapped by the organisation's KEK (columns wrapped_key, kek_version). */
const WRAPPED_KEY_TABLES = ['recording_tracks', 'subject_exports'] as const;
type WrappedKeyTable = (typeof WRAPPED_KEY_TABLES)[number];

/** The next rows (of the first table that has any) still wrapped by an older KEK version than `target`. */
async function nextBatch(db: DbOrTx, orgId: OrgId, target: number) {
  for (const table of WRAPPED_KEY_TABLES) {
    const rows = await db
      .selectFrom(table)
      .select(['id', 'wrapped_key', 'kek_version'])
      .where('org_id', '=', orgId)
      .where('wrapped_key', 'is not', null)
      .where((eb) => eb.or([eb('kek_version', '<>', target), eb('kek_version', 'is', null)]))
      .orderBy('id')
      .limit(ROTATE_BATCH)
      .execute();
    if (rows.length > 0) return { table: table as WrappedKeyTable, rows };
  }
  return null;
}

/** How many data keys of the organisation are still wrapped by an older version than `target`. */
async function keysLeft(db: DbOrTx, orgId: OrgId, target: number): Promise<number> {
  let left = 0;
  for (const table of WRAPPED_KEY_TABLES) {
    const row = await db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<string | number>().as('n'))
      .where('org_id', '=', orgId)
      .where('wrapped_key', 'is not', null)
      .where((eb) => eb.or([eb('kek_version', '<>', target), eb('kek_version', 'is', null)]))
      .executeTakeFirstOrThrow();
    left += toCount(row.n);
  }
  return left;
}

export async function rotateOrgKeys(
  deps: Deps,
  options: { orgId?: OrgId; onProgress?: (done: number, total: number) => void } = {},
): Promise<{ organisations: number; rewrapped: number }> {
  const { db, keys, clock, logger } = deps;
  let orgQuery = db.selectFrom('organisations').select('id').orderBy('id');
  if (options.orgId) orgQuery = orgQuery.where('id', '=', options.orgId);
  const orgIds = (await orgQuery.execute()).map((r) => r.id as OrgId);

  let total = 0;
  for (const table of WRAPPED_KEY_TABLES) {
    let totalQuery = db.selectFrom(table).select((eb) => eb.fn.countAll<string | number>().as('n')).where('wrapped_key', 'is not', null);
    if (options.orgId) totalQuery = totalQuery.where('org_id', '=', options.orgId);
    total += toCount((await totalQuery.executeTakeFirstOrThrow()).n);
  }
  let done = 0;
  const progress = () => options.onProgress?.(done, Math.max(total, done));
  progress();

  let organisations = 0;
  let rewrapped = 0;
  for (const orgId of orgIds) {
    const versions = await db.selectFrom('org_keys').select(['version']).where('org_id', '=', orgId).orderBy('version', 'desc').execute();
    // An organisation that never wrapped a key has no KEK to rotate; its first data key will create one.
    if (versions.length === 0) continue;
    const target = versions[0]!.version + 1;
    if (!(await insertKek(db, keys, clock, orgId, target))) {
      throw new Error(`another key rotation for ${orgId} is running (KEK version ${target} appeared meanwhile)`);
    }
    failpoint('keys.rotate.after_new_kek');
    await db
      .updateTable('org_keys')
      .set({ retired_at: iso(clock.now()) })
      .where('org_id', '=', orgId)
      .where('version', '<', target)
      .where('retired_at', 'is', null)
      .execute();

    const targetRow = await db.selectFrom('org_keys').select('sealed_key').where('org_id', '=', orgId).where('version', '=', target).executeTakeFirstOrThrow();
    const newKek = openKek(keys, orgId, target, targetRow.sealed_key);
    const oldKeks = new Map<number, Buffer>();
    const oldKek = async (version: number) => {
      let kek = oldKeks.get(version);
      if (!kek) {
        const row = await db.selectFrom('org_keys').select('sealed_key').where('org_id', '=', orgId).where('version', '=', version).executeTakeFirst();
        if (!row) throw new DataKeyError('kek-missing', `${orgId} has no KEK version ${version}`);
        kek = openKek(keys, orgId, version, row.sealed_key);
        oldKeks.set(version, kek);
      }
      return kek;
    };

    let orgRewrapped = 0;
    for (;;) {
      const next = await nextBatch(db, orgId, target);
      if (!next) {
        // Destroy the old versions only if, in the same transaction, no live key still needs them.
        const destroyed = await db.transaction().execute(async (tx) => {
          if ((await keysLeft(tx, orgId, target)) > 0) return false;
          await tx.updateTable('org_keys').set({ sealed_key: '' }).where('org_id', '=', orgId).where('version', '<', target).execute();
          // The organisation sees in its audit log that its keys were rotated and how many data keys moved (G44, G54).
          await deps.audit.append(tx, orgId, { type: 'system' }, { type: 'keys.rotated', data: { kekVersion: target, rewrapped: orgRewrapped } });
          return true;
        });
        if (destroyed) {
          failpoint('keys.rotate.after_destroy');
          break;
        }
        continue;
      }
      const { table, rows: batch } = next;
      const updates: Array<{ id: string; old: string; wrapped: string }> = [];
      for (const row of batch) {
        if (row.kek_version === null) {
          throw new DataKeyError('kek-missing', `${table} row ${row.id} has a wrapped key without a KEK version`);
        }
        const dataKey = unwrap(await oldKek(row.kek_version), orgId, row.id, row.wrapped_key!);
        updates.push({ id: row.id, old: row.wrapped_key!, wrapped: wrap(newKek, orgId, row.id, dataKey) });
      }
      await db.transaction().execute(async (tx) => {
        for (const u of updates) {
          // Guarded by the old value: a key erased (set to null) or re-wrapped meanwhile is left as it is now.
          await tx
            .updateTable(table)
            .set({ wrapped_key: u.wrapped, kek_version: target })
            .where('id', '=', u.id)
            .where('org_id', '=', orgId)
            .where('wrapped_key', '=', u.old)
            .execute();
        }
      });
      failpoint('keys.rotate.after_batch');
      orgRewrapped += updates.length;
      done += updates.length;
      total = Math.max(total, done);
      progress();
    }
    organisations += 1;
    rewrapped += orgRewrapped;
    logger.info({ orgId, kekVersion: target, rewrapped: orgRewrapped }, 'organisation key rotated');
  }
  return { organisations, rewrapped };
}
