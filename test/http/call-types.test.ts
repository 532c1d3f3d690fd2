import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { retentionPresets } from '../../src/call-types/retention-presets.ts';
import { MIN_SEAL_ITERATIONS } from '../../src/recording/recording-keys.ts';
import { createRecordingKeyPair } from '../../web/customer/call/e2ee/recording-crypto.ts';
import { dialects } from '../support/dialects.ts';
import { internalCodes } from '../support/language-check.ts';
import { addUser, createOrgWithAdmin, startTestParley, type ApiClient, type SignedIn, type TestParley } from '../support/harness.ts';

const delivery = { purpose: 'call_delivery', basis: 'contract' } as const;
const consentRecording = { purpose: 'recording', basis: 'consent' } as const;
const legalRecording = { purpose: 'recording', basis: 'legal_obligation' } as const;

/** A MiFID II call type that passes every rule; tests break one thing at a time. */
const mifid = () => ({
  name: 'Investment advice',
  purposes: [delivery, legalRecording],
  recordingMode: 'legal_obligation',
  recordingLegalReference: 'MiFID II Art. 16(7)',
  retention: { callMetadataDays: 1826, chatDays: 7, recordingsDays: 1826, consentDays: 365 },
});

for (const d of dialects) {
  describe.skipIf(!d.available)(`call types (${d.name})`, () => {
    let t: TestParley;
    let admin: SignedIn;
    let api: ApiClient;

    beforeAll(async () => {
      t = await startTestParley(d.name);
      admin = await createOrgWithAdmin(t);
      api = admin.client;
    });
    afterAll(async () => t?.close());

    /**
     * Posts a call type and expects 400 with `field` among the problems in `details` (for programs); nothing is
     * stored. Where a rule between fields refused it, the message people read is in words: no field keys, codes or
     * requirement ids, in the message or beside any field.
     */
    async function refused(body: unknown, field: string, client: ApiClient = api) {
      const before = (await client.get('/api/call-types?status=all')).body.callTypes.length;
      const res = await client.post('/api/call-types', body);
      expect(res.status, res.raw).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
      const details: { path: string[]; message: string }[] = res.body.error.details ?? [];
      expect(details.map((d) => `${d.path.join('.')} ${d.message}`).join('\n'), res.raw).toContain(field);
      if (String(res.body.error.message).startsWith('The call type was not saved.')) {
        expect(internalCodes(res.body.error.message), res.body.error.message).toEqual([]);
        for (const d of details) expect(internalCodes(d.message), d.message).toEqual([]);
      }
      expect((await client.get('/api/call-types?status=all')).body.callTypes.length).toBe(before);
      return res.body.error;
    }

    it('gives a new organisation one call type with privacy-protective defaults and the shortest retention preset (G22)', async () => {
      const fresh = await createOrgWithAdmin(t, 'Fresh Clinic GmbH');
      const list = await fresh.client.get('/api/call-types');
      expect(list.status).toBe(200);
      expect(list.body.callTypes).toHaveLength(1);
      const [ct] = list.body.callTypes;
      expect(ct).toMatchObject({
        name: 'Video consultation',
        purposes: [{ purpose: 'call_delivery', basis: 'contract', legitimateInterest: null }],
        recordingMode: 'off',
        recordingLegalReference: null,
        chatKept: false,
        e2eeRequired: false,
        lobbyEnabled: true,
        biometricFeatures: [],
        dpiaReference: null,
        version: 1,
        archivedAt: null,
      });
      // The shortest preset: no category is kept longer than in any other preset.
      expect(ct.retention).toEqual(retentionPresets.short);
      for (const preset of Object.values(retentionPresets)) {
        for (const [category, days] of Object.entries(preset)) expect(ct.retention[category]).toBeLessThanOrEqual(days);
      }
      const events = await fresh.client.get('/api/audit-events?type=call_type.created');
      expect(events.body.events).toHaveLength(1);
      expect(events.body.events[0]).toMatchObject({ actor: { type: 'system', id: null }, data: { callTypeId: ct.id } });
    });

    it('lists the retention presets with the shortest as the default', async () => {
      const res = await api.get('/api/call-types/retention-presets');
      expect(res.body.presets.map((p: any) => p.name)).toEqual(['short', 'standard', 'long']);
      expect(res.body.presets.find((p: any) => p.isDefault).name).toBe('short');
    });

    it('fills every field left out with the privacy-protective default', async () => {
      const res = await api.post('/api/call-types', { name: 'Support', purposes: [delivery] });
      expect(res.status, res.raw).toBe(201);
      expect(res.body).toMatchObject({
        id: expect.stringMatching(/^ct_[0-9a-z]{25}$/),
        recordingMode: 'off',
        chatKept: false,
        lobbyEnabled: true,
        e2eeRequired: false,
        biometricFeatures: [],
        retention: retentionPresets.short,
        version: 1,
      });
      expect((await api.get(`/api/call-types/${res.body.id}`)).body).toEqual(res.body);
    });

    it('refuses recording with consent unless a recording purpose is based on consent (G3)', async () => {
      await refused({ name: 'x', purposes: [delivery], recordingMode: 'consent' }, 'recordingMode');
      await refused({ name: 'x', purposes: [delivery, legalRecording], recordingMode: 'consent' }, 'recordingMode');
      const ok = await api.post('/api/call-types', { name: 'Recorded support', purposes: [delivery, consentRecording], recordingMode: 'consent' });
      expect(ok.status, ok.raw).toBe(201);
    });

    it('refuses a recording purpose while recording is off, or on a basis other than consent or legal obligation (G3)', async () => {
      await refused({ name: 'x', purposes: [delivery, consentRecording] }, 'recordingMode');
      const err = await refused(
        { name: 'x', purposes: [delivery, { purpose: 'recording', basis: 'legitimate_interest', legitimateInterest: 'Quality' }], recordingMode: 'consent' },
        'purposes.1.basis',
      );
      expect(err.details).toContainEqual({ in: 'body', path: ['purposes', '1', 'basis'], message: expect.stringContaining('Recording rests either on each participant’s consent or on a law') });
    });

    it('refuses legal-obligation recording without its legal reference (G55)', async () => {
      const { recordingLegalReference: _, ...withoutReference } = mifid();
      await refused(withoutReference, 'recordingLegalReference');
      await refused({ ...mifid(), recordingLegalReference: '   ' }, 'recordingLegalReference');
      await refused({ ...mifid(), purposes: [delivery, consentRecording] }, 'recordingMode');
    });

    it('keeps legal-obligation recordings at least 5 and at most 7 years (G56)', async () => {
      await refused({ ...mifid(), retention: { ...mifid().retention, recordingsDays: 1825 } }, 'retention.recordingsDays');
      await refused({ ...mifid(), retention: { ...mifid().retention, recordingsDays: 2558 } }, 'retention.recordingsDays');
      const ok = await api.post('/api/call-types', mifid());
      expect(ok.status, ok.raw).toBe(201);
      expect(ok.body).toMatchObject({ recordingMode: 'legal_obligation', recordingLegalReference: 'MiFID II Art. 16(7)' });
      expect(ok.body.retention.recordingsDays).toBe(1826);
      const seven = await api.post('/api/call-types', { ...mifid(), retention: { ...mifid().retention, recordingsDays: 2557 } });
      expect(seven.status, seven.raw).toBe(201);
    });

    it('refuses biometric features without a DPIA reference (G6)', async () => {
      await refused({ name: 'x', purposes: [delivery], biometricFeatures: ['emotion_inference'] }, 'dpiaReference');
      await refused({ name: 'x', purposes: [delivery], biometricFeatures: ['face_recognition'], dpiaReference: '' }, 'dpiaReference');
      const ok = await api.post('/api/call-types', {
        name: 'Identity check',
        purposes: [delivery],
        biometricFeatures: ['face_recognition'],
        dpiaReference: 'DPIA-2026-04',
      });
      expect(ok.status, ok.raw).toBe(201);
      expect(ok.body).toMatchObject({ biometricFeatures: ['face_recognition'], dpiaReference: 'DPIA-2026-04' });
    });

    it('refuses a purpose declared twice, so each purpose has exactly one lawful basis (G1)', async () => {
      await refused({ name: 'x', purposes: [delivery, { purpose: 'call_delivery', basis: 'legal_obligation' }] }, 'purposes.1.purpose');
    });

    it('refuses a call type without the call_delivery purpose, and an unknown purpose or basis', async () => {
      await refused({ name: 'x', purposes: [{ purpose: 'chat', basis: 'contract' }], chatKept: true }, 'purposes');
      await refused({ name: 'x', purposes: [{ purpose: 'marketing', basis: 'consent' }] }, 'purposes');
      await refused({ name: 'x', purposes: [{ purpose: 'call_delivery', basis: 'vital_interest' }] }, 'purposes');
    });

    it('requires the legitimate interest to be stated, and only with that basis (Art. 13(1)(d))', async () => {
      await refused({ name: 'x', purposes: [{ purpose: 'call_delivery', basis: 'legitimate_interest' }] }, 'purposes.0.legitimateInterest');
      await refused({ name: 'x', purposes: [{ ...delivery, legitimateInterest: 'Because' }] }, 'purposes.0.legitimateInterest');
      const ok = await api.post('/api/call-types', {
        name: 'Existing customers',
        purposes: [{ purpose: 'call_delivery', basis: 'legitimate_interest', legitimateInterest: 'Answering questions of existing customers.' }],
      });
      expect(ok.status, ok.raw).toBe(201);
      expect(ok.body.purposes[0].legitimateInterest).toBe('Answering questions of existing customers.');
    });

    it('allows training and quality reuse only on consent and only where calls are recorded (G4)', async () => {
      const base = { name: 'x', purposes: [delivery, consentRecording], recordingMode: 'consent' };
      await refused({ ...base, purposes: [...base.purposes, { purpose: 'training_qa', basis: 'legitimate_interest', legitimateInterest: 'QA' }] }, 'purposes.2.basis');
      await refused({ ...base, purposes: [...base.purposes, { purpose: 'training_qa', basis: 'contract' }] }, 'purposes.2.basis');
      await refused({ name: 'x', purposes: [delivery, { purpose: 'training_qa', basis: 'consent' }] }, 'purposes.1.purpose');
      const ok = await api.post('/api/call-types', { ...base, name: 'Coached advice', purposes: [...base.purposes, { purpose: 'training_qa', basis: 'consent' }] });
      expect(ok.status, ok.raw).toBe(201);
    });

    it('keeps chat only with a declared chat purpose, and never shorter than a day', async () => {
      await refused({ name: 'x', purposes: [delivery], chatKept: true }, 'chatKept');
      await refused({ name: 'x', purposes: [delivery, { purpose: 'chat', basis: 'contract' }] }, 'chatKept');
      await refused(
        { name: 'x', purposes: [delivery, { purpose: 'chat', basis: 'contract' }], chatKept: true, retention: { ...retentionPresets.short, chatDays: 0 } },
        'retention.chatDays',
      );
    });

    it('keeps consent records at least as long as the recordings they cover (Art. 7(1))', async () => {
      await refused(
        { name: 'x', purposes: [delivery, consentRecording], recordingMode: 'consent', retention: { ...retentionPresets.short, recordingsDays: 400, consentDays: 399 } },
        'retention.consentDays',
      );
    });

    it('keeps E2EE with recording: refused with what to do while there is no recording key, saved as sent once a DPO made one', async () => {
      // A fresh organisation: the recording key below must not change what the other tests see.
      const bank = await createOrgWithAdmin(t, 'Keyed Bank AG');
      const recordedE2ee = { name: 'Confidential advice', purposes: [delivery, consentRecording], recordingMode: 'consent', e2eeRequired: true };
      const err = await refused(recordedE2ee, 'e2eeRequired', bank.client);
      expect(err.message).toBe(
        'The call type was not saved. End-to-end encryption: End-to-end encrypted calls are recorded in the host’s browser, encrypted to your organisation’s recording key, and your organisation has none yet. A data protection officer creates it under Recording key; until then, choose either recording or end-to-end encryption.',
      );
      // E2EE without recording needs no key.
      const plain = await bank.client.post('/api/call-types', { name: 'Confidential', purposes: [delivery], e2eeRequired: true });
      expect(plain.status, plain.raw).toBe(201);

      const dpo = await addUser(t, bank, 'dpo');
      const key = await createRecordingKeyPair('a passphrase long enough', MIN_SEAL_ITERATIONS);
      const made = await dpo.client.post('/api/recording-keys', { publicKey: key.publicKey, sealed: key.sealed, fingerprint: key.fingerprint });
      expect(made.status, made.raw).toBe(201);

      // Now both are kept exactly as sent: recorded through the recording key, never with E2EE quietly switched off.
      const ok = await bank.client.post('/api/call-types', recordedE2ee);
      expect(ok.status, ok.raw).toBe(201);
      expect(ok.body).toMatchObject({ recordingMode: 'consent', e2eeRequired: true, staffRecordingBasis: 'legitimate_interest' });
      expect((await bank.client.get(`/api/call-types/${ok.body.id}`)).body).toMatchObject({ recordingMode: 'consent', e2eeRequired: true });
      // Turning recording on for the E2EE call type leaves E2EE on as well.
      const changed = await bank.client.patch(`/api/call-types/${plain.body.id}`, { purposes: [delivery, consentRecording], recordingMode: 'consent' });
      expect(changed.status, changed.raw).toBe(200);
      expect(changed.body).toMatchObject({ recordingMode: 'consent', e2eeRequired: true, version: 2 });
    });

    it('says what is wrong in words, naming the field as the form labels it, and counts the other problems', async () => {
      const consent = await refused(
        { name: 'x', purposes: [delivery, consentRecording], recordingMode: 'consent', retention: { ...retentionPresets.short, recordingsDays: 400, consentDays: 399 } },
        'retention.consentDays',
      );
      expect(consent.message).toBe(
        'The call type was not saved. Retention of consent records: Consent records must be kept at least as long as the data they cover: at least 400 days (Art. 7(1) GDPR).',
      );
      const basis = await refused({ name: 'x', purposes: [delivery, { purpose: 'recording', basis: 'contract' }], recordingMode: 'consent' }, 'purposes.1.basis');
      expect(basis.message).toMatch(/^The call type was not saved\. Lawful basis for recording: Recording rests either on each participant’s consent .* \(and 1 more problem\)$/);
      const { recordingLegalReference: _, ...withoutReference } = mifid();
      const many = await refused({ ...withoutReference, retention: { ...mifid().retention, recordingsDays: 10 } }, 'recordingLegalReference');
      expect(many.message).toBe(
        'The call type was not saved. The law that requires recording: Name the law that requires the recording, e.g. “MiFID II Art. 16(7)”. (and 1 more problem)',
      );
      const interest = await refused({ name: 'x', purposes: [{ purpose: 'call_delivery', basis: 'legitimate_interest' }] }, 'purposes.0.legitimateInterest');
      expect(interest.message).toBe(
        'The call type was not saved. Legitimate interest for holding the call: State the legitimate interest relied on; customers are told it (Art. 13(1)(d) GDPR).',
      );
      // The field limits the schema checks have messages of their own, not the validator's.
      const long = await api.post('/api/call-types', { name: 'x'.repeat(121), purposes: [delivery] });
      expect(long.status).toBe(400);
      expect(long.body.error.details).toContainEqual(expect.objectContaining({ path: ['name'], message: 'Use at most 120 characters.' }));
    });

    it('declares the basis for recording staff with the recording mode: legitimate interest or the law, never consent (G7)', async () => {
      const off = await api.post('/api/call-types', { name: 'Unrecorded', purposes: [delivery] });
      expect(off.body).toMatchObject({ staffRecordingBasis: null, staffRecordingInterest: null });
      const consent = await api.post('/api/call-types', { name: 'Recorded advice', purposes: [delivery, consentRecording], recordingMode: 'consent' });
      expect(consent.status, consent.raw).toBe(201);
      // No interest stated: the documents state Parley's standard wording for it.
      expect(consent.body).toMatchObject({ staffRecordingBasis: 'legitimate_interest', staffRecordingInterest: null });
      const legal = await api.post('/api/call-types', mifid());
      expect(legal.body).toMatchObject({ staffRecordingBasis: 'legal_obligation', staffRecordingInterest: null });

      // The organisation states its interest in its own words; a change is a new version, recorded and put to the DPIA.
      const stated = await api.patch(`/api/call-types/${consent.body.id}`, { staffRecordingInterest: '  Proof of the advice given, for complaints.  ' });
      expect(stated.status, stated.raw).toBe(200);
      expect(stated.body).toMatchObject({ staffRecordingBasis: 'legitimate_interest', staffRecordingInterest: 'Proof of the advice given, for complaints.', version: 2 });
      const events = (await api.get('/api/audit-events?type=call_type.updated')).body.events.filter((e: any) => e.data.callTypeId === consent.body.id);
      expect(events.map((e: any) => e.data.fields)).toEqual([['staffRecordingInterest']]);

      // An interest is stated only where it is the basis; the basis itself cannot be chosen (consent is not offered).
      await refused({ ...mifid(), staffRecordingInterest: 'Quality' }, 'staffRecordingInterest');
      await refused({ name: 'x', purposes: [delivery], staffRecordingInterest: 'Quality' }, 'staffRecordingInterest');
      await refused({ name: 'x', purposes: [delivery, consentRecording], recordingMode: 'consent', staffRecordingBasis: 'consent' }, 'staffRecordingBasis');
      // Switching recording off while an interest is stated: refused, not dropped; sent together with its removal, fine.
      const stillStated = await api.patch(`/api/call-types/${consent.body.id}`, { recordingMode: 'off', purposes: [delivery] });
      expect(stillStated.status, stillStated.raw).toBe(400);
      expect(stillStated.body.error.details.map((d: any) => d.path.join('.'))).toEqual(['staffRecordingInterest']);
      expect((await api.get(`/api/call-types/${consent.body.id}`)).body).toEqual(stated.body);
      const switchedOff = await api.patch(`/api/call-types/${consent.body.id}`, { recordingMode: 'off', purposes: [delivery], staffRecordingInterest: null });
      expect(switchedOff.status, switchedOff.raw).toBe(200);
      expect(switchedOff.body).toMatchObject({ staffRecordingBasis: null, staffRecordingInterest: null });
    });

    it('refuses retention days that are negative, fractional or beyond 10 years', async () => {
      for (const bad of [-1, 1.5, 3651]) {
        await refused({ name: 'x', purposes: [delivery], retention: { ...retentionPresets.short, callMetadataDays: bad } }, 'retention.callMetadataDays');
      }
      await refused({ name: 'x', purposes: [delivery], retention: { callMetadataDays: 30 } }, 'retention');
    });

    it('refuses unknown fields anywhere in the body', async () => {
      await refused({ name: 'x', purposes: [delivery], recordEverything: true }, 'recordEverything');
      await refused({ name: 'x', purposes: [{ ...delivery, note: 'x' }] }, 'purposes');
      await refused({ name: 'x', purposes: [delivery], retention: { ...retentionPresets.short, backupsDays: 3 } }, 'retention');
      const created = await api.post('/api/call-types', { name: 'Strict', purposes: [delivery] });
      const patch = await api.patch(`/api/call-types/${created.body.id}`, { name: 'Strict 2', owner: 'me' });
      expect(patch.status).toBe(400);
      expect((await api.get(`/api/call-types/${created.body.id}`)).body.name).toBe('Strict');
    });

    it('changes only what is sent, bumps the version and records the changed field names', async () => {
      const created = await api.post('/api/call-types', { name: 'Mortgage advice', purposes: [delivery] });
      const id = created.body.id;
      const res = await api.patch(`/api/call-types/${id}`, {
        purposes: [delivery, consentRecording],
        recordingMode: 'consent',
        retention: { recordingsDays: 90 },
      });
      expect(res.status, res.raw).toBe(200);
      expect(res.body).toMatchObject({ name: 'Mortgage advice', recordingMode: 'consent', version: 2 });
      expect(res.body.retention).toEqual({ ...retentionPresets.short, recordingsDays: 90 });

      const events = (await api.get('/api/audit-events?type=call_type.updated')).body.events.filter((e: any) => e.data.callTypeId === id);
      expect(events).toHaveLength(1);
      expect(events[0].data).toEqual({ callTypeId: id, fields: ['purposes', 'recordingMode', 'retention.recordingsDays'], version: 2 });

      // The same values again: nothing changes, nothing is recorded.
      const same = await api.patch(`/api/call-types/${id}`, { recordingMode: 'consent', retention: { recordingsDays: 90 } });
      expect(same.body.version).toBe(2);
      const after = (await api.get('/api/audit-events?type=call_type.updated')).body.events.filter((e: any) => e.data.callTypeId === id);
      expect(after).toHaveLength(1);
    });

    it('checks the rules on the call type as it would be after the change, and stores nothing when refused', async () => {
      const created = await api.post('/api/call-types', { name: 'Onboarding', purposes: [delivery] });
      const res = await api.patch(`/api/call-types/${created.body.id}`, { recordingMode: 'legal_obligation' });
      expect(res.status).toBe(400);
      expect(res.body.error.message).toMatch(/^The call type was not saved\. Recording: .* \(and 2 more problems\)$/);
      const field = res.body.error.details.map((d: any) => d.path.join('.'));
      expect(field).toEqual(expect.arrayContaining(['recordingMode', 'recordingLegalReference', 'retention.recordingsDays']));
      expect((await api.get(`/api/call-types/${created.body.id}`)).body).toEqual(created.body);
    });

    it('never rewrites a field that was not sent: leaving the legal-obligation mode with the law still named is refused, with what to do', async () => {
      const created = await api.post('/api/call-types', mifid());
      const res = await api.patch(`/api/call-types/${created.body.id}`, { purposes: [delivery], recordingMode: 'off' });
      expect(res.status, res.raw).toBe(400);
      expect(res.body.error.details.map((d: any) => d.path.join('.'))).toEqual(['recordingLegalReference']);
      expect(res.body.error.message).toBe(
        'The call type was not saved. The law that requires recording: A law that requires recording is named only for calls recorded because the law requires it. Calls of this type are not, so remove the law as well.',
      );
      expect((await api.get(`/api/call-types/${created.body.id}`)).body).toEqual(created.body);
      const cleared = await api.patch(`/api/call-types/${created.body.id}`, { purposes: [delivery], recordingMode: 'off', recordingLegalReference: null });
      expect(cleared.status, cleared.raw).toBe(200);
      expect(cleared.body).toMatchObject({ recordingMode: 'off', recordingLegalReference: null, staffRecordingBasis: null });
    });

    it('archives instead of deleting: out of the default list, frozen, and archiving again changes nothing', async () => {
      const created = await api.post('/api/call-types', { name: 'Retired', purposes: [delivery] });
      const id = created.body.id;
      const archived = await api.post(`/api/call-types/${id}/archive`);
      expect(archived.status).toBe(200);
      expect(archived.body.archivedAt).toEqual(expect.any(String));
      const ids = async (status: string) => (await api.get(`/api/call-types${status}`)).body.callTypes.map((c: any) => c.id);
      expect(await ids('')).not.toContain(id);
      expect(await ids('?status=')).not.toContain(id);
      expect(await ids('?status=archived')).toEqual([id]);
      expect(await ids('?status=all')).toContain(id);
      expect((await api.get(`/api/call-types/${id}`)).status).toBe(200);

      const change = await api.patch(`/api/call-types/${id}`, { name: 'Revived' });
      expect(change.status).toBe(409);
      const again = await api.post(`/api/call-types/${id}/archive`);
      expect(again.body.archivedAt).toBe(archived.body.archivedAt);
      const events = (await api.get('/api/audit-events?type=call_type.archived')).body.events.filter((e: any) => e.data.callTypeId === id);
      expect(events).toHaveLength(1);
      expect((await api.get('/api/call-types?status=gone')).status).toBe(400);
    });

    it('lets agents read call types but not change them', async () => {
      const agent = await addUser(t, admin, 'agent');
      const list = await agent.client.get('/api/call-types');
      expect(list.status).toBe(200);
      expect(list.body.callTypes.length).toBeGreaterThan(0);
      expect((await agent.client.post('/api/call-types', { name: 'Mine', purposes: [delivery] })).status).toBe(403);
    });

    it('refuses at the database a legal-obligation call type without a reference, and biometrics without a DPIA', async () => {
      const { db } = t.parley.deps;
      const id = (await api.post('/api/call-types', mifid())).body.id;
      await expect(db.updateTable('call_types').set({ recording_legal_reference: '' }).where('id', '=', id).execute()).rejects.toThrow(/check|constraint/i);
      await expect(db.updateTable('call_types').set({ recording_legal_reference: null }).where('id', '=', id).execute()).rejects.toThrow(/check|constraint/i);
      await expect(
        db.updateTable('call_types').set({ biometric_features: '["face_recognition"]' }).where('id', '=', id).execute(),
      ).rejects.toThrow(/check|constraint/i);
      await expect(db.updateTable('call_types').set({ recording_mode: 'always' }).where('id', '=', id).execute()).rejects.toThrow(/check|constraint/i);
    });
  });
}
