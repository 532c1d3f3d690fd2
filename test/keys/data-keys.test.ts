import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataKeyError, newDataKey, rotateOrgKeys, unwrapDataKey } from '../../src/keys/data-keys.ts';
import { createOrganisation } from '../../src/organisations/organisations.ts';
import { newId, type OrgId } from '../../src/shared/ids.ts';
import { dialects } from '../support/dialects.ts';
import { startTestParley, type TestParley } from '../support/harness.ts';
import { orgWithTracks } from '../support/recording-rows.ts';

for (const d of dialects) {
  describe.skipIf(!d.available)(`data keys and organisation KEKs (${d.name})`, () => {
    let t: TestParley;
    beforeAll(async () => {
      t = await startTestParley(d.name);
    });
    afterAll(async () => t?.close());

    const deps = () => t.parley.deps;
    const newOrg = (name: string) => deps().db.transaction().execute((tx) => createOrganisation(tx, deps(), { legalName: name }));
    const kekRows = (orgId: OrgId) =>
      deps().db.selectFrom('org_keys').selectAll().where('org_id', '=', orgId).orderBy('version').execute();

    it('wraps a fresh data key and unwraps it to the same bytes, creating KEK v1 on first use', async () => {
      const orgId = await newOrg('Wrap AG');
      expect(await kekRows(orgId)).toEqual([]);
      const objectId = newId('track');
      const { dataKey, wrapped } = await newDataKey(deps().db, deps().keys, deps().clock, orgId, objectId);
      expect(dataKey.length).toBe(32);
      expect(wrapped.kekVersion).toBe(1);
      expect(wrapped.wrapped).not.toContain(dataKey.toString('base64url'));
      const back = await unwrapDataKey(deps().db, deps().keys, orgId, objectId, wrapped);
      expect(back.equals(dataKey)).toBe(true);
      const rows = await kekRows(orgId);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ version: 1, retired_at: null });
      // Sealed by the master key: not the raw key in base64.
      expect(rows[0]!.sealed_key).toMatch(/^v1\./);
    });

    it('creates exactly one KEK v1 when many first data keys are made at once', async () => {
      const orgId = await newOrg('Race AG');
      const made = await Promise.all(
        Array.from({ length: 8 }, () => newDataKey(deps().db, deps().keys, deps().clock, orgId, newId('track'))),
      );
      expect(new Set(made.map((m) => m.wrapped.kekVersion))).toEqual(new Set([1]));
      expect(await kekRows(orgId)).toHaveLength(1);
    });

    it('refuses to unwrap a data key for another object, or another organisation', async () => {
      const orgId = await newOrg('Bound AG');
      const objectId = newId('track');
      const { wrapped } = await newDataKey(deps().db, deps().keys, deps().clock, orgId, objectId);
      await expect(unwrapDataKey(deps().db, deps().keys, orgId, newId('track'), wrapped)).rejects.toMatchObject({ reason: 'unwrap-failed' });
      const other = await newOrg('Other AG');
      await newDataKey(deps().db, deps().keys, deps().clock, other, newId('track'));
      await expect(unwrapDataKey(deps().db, deps().keys, other, objectId, wrapped)).rejects.toBeInstanceOf(DataKeyError);
      const altered = { ...wrapped, wrapped: wrapped.wrapped.slice(0, -3) + (wrapped.wrapped.endsWith('A') ? 'BAA' : 'AAA') };
      await expect(unwrapDataKey(deps().db, deps().keys, orgId, objectId, altered)).rejects.toBeInstanceOf(DataKeyError);
    });

    it('rotation re-wraps every data key under a new KEK, destroys the old one, and the data keys stay the same', async () => {
      const { orgId, tracks } = await orgWithTracks(deps(), 7, 'Rotate AG');
      const bystander = await orgWithTracks(deps(), 2, 'Bystander AG');
      const before = await deps().db.selectFrom('recording_tracks').select(['id', 'wrapped_key']).where('org_id', '=', orgId).execute();
      const seen: Array<[number, number]> = [];
      const result = await rotateOrgKeys(deps(), { orgId, onProgress: (done, total) => seen.push([done, total]) });
      expect(result).toEqual({ organisations: 1, rewrapped: 7 });
      expect(seen.at(-1)).toEqual([7, 7]);

      const keys = await kekRows(orgId);
      expect(keys.map((k) => k.version)).toEqual([1, 2]);
      const rotated = await deps().db.selectFrom('audit_events').select(['data']).where('org_id', '=', orgId).where('type', '=', 'keys.rotated').execute();
      expect(rotated.map((e) => JSON.parse(e.data))).toEqual([{ kekVersion: 2, rewrapped: 7 }]);
      expect(keys[0]!.sealed_key).toBe('');
      expect(keys[0]!.retired_at).not.toBeNull();
      expect(keys[1]).toMatchObject({ retired_at: null });
      expect(keys[1]!.sealed_key).not.toBe('');

      const after = await deps().db.selectFrom('recording_tracks').select(['id', 'wrapped_key', 'kek_version']).where('org_id', '=', orgId).execute();
      for (const row of after) {
        expect(row.kek_version).toBe(2);
        expect(row.wrapped_key).not.toBe(before.find((b) => b.id === row.id)!.wrapped_key);
      }
      for (const track of tracks) {
        const row = after.find((r) => r.id === track.id)!;
        const key = await unwrapDataKey(deps().db, deps().keys, orgId, track.id, { kekVersion: row.kek_version!, wrapped: row.wrapped_key! });
        expect(key.equals(track.dataKey)).toBe(true);
      }
      // A wrapped key saved before rotation no longer opens: its KEK is gone.
      const old = before[0]!;
      await expect(unwrapDataKey(deps().db, deps().keys, orgId, old.id, { kekVersion: 1, wrapped: old.wrapped_key! })).rejects.toMatchObject({
        reason: 'kek-destroyed',
      });
      // Another organisation is untouched.
      expect((await kekRows(bystander.orgId)).map((k) => k.version)).toEqual([1]);
      // New data keys use the new version.
      expect((await newDataKey(deps().db, deps().keys, deps().clock, orgId, newId('track'))).wrapped.kekVersion).toBe(2);
    });

    it('a rerun after an interrupted rotation finishes the rows left on older versions, and skips erased keys', async () => {
      const { orgId, tracks } = await orgWithTracks(deps(), 5, 'Crash AG');
      // The process dies after the re-wrapped batch committed, before the old KEK was destroyed.
      const crash = new Error('simulated crash');
      await expect(
        rotateOrgKeys(deps(), { orgId, onProgress: (done) => { if (done > 0) throw crash; } }),
      ).rejects.toBe(crash);
      const midway = await kekRows(orgId);
      expect(midway.map((k) => k.version)).toEqual([1, 2]);
      expect(midway[0]!.sealed_key).not.toBe(''); // still needed until every row has moved
      const erased = tracks[0]!;
      await deps().db.updateTable('recording_tracks').set({ wrapped_key: null, kek_version: null }).where('id', '=', erased.id).execute();
      const result = await rotateOrgKeys(deps(), { orgId });
      expect(result).toEqual({ organisations: 1, rewrapped: 4 });
      const rows = await deps().db.selectFrom('recording_tracks').select(['id', 'wrapped_key', 'kek_version']).where('org_id', '=', orgId).execute();
      expect(rows.find((r) => r.id === erased.id)!.wrapped_key).toBeNull();
      for (const track of tracks.slice(1)) {
        const row = rows.find((r) => r.id === track.id)!;
        expect(row.kek_version).toBe(3);
        const key = await unwrapDataKey(deps().db, deps().keys, orgId, track.id, { kekVersion: 3, wrapped: row.wrapped_key! });
        expect(key.equals(track.dataKey)).toBe(true);
      }
      const keys = await kekRows(orgId);
      expect(keys.filter((k) => k.sealed_key !== '').map((k) => k.version)).toEqual([3]);
    });
  });
}
