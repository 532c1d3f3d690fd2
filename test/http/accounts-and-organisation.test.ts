import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, createOrgWithAdmin, startTestParley, type SignedIn, type TestParley } from '../support/harness.ts';

describe('organisation settings and user management', () => {
  let t: TestParley;
  let admin: SignedIn;
  beforeAll(async () => {
    t = await startTestParley('sqlite');
    admin = await createOrgWithAdmin(t);
  });
  afterAll(async () => t?.close());

  it('reports the controller details still missing, and bumps the configuration version on each change', async () => {
    const before = (await admin.client.get('/api/organisation')).body;
    expect(before.missingFields).toEqual(['address', 'contactEmail', 'dpoName', 'dpoEmail', 'supervisoryAuthority']);
    const res = await admin.client.patch('/api/organisation', {
      address: 'Neue Mainzer Str. 1, 60311 Frankfurt',
      contactEmail: 'privacy@bank.example',
      dpoName: 'Dr. Datenschutz',
      dpoEmail: 'dpo@bank.example',
      supervisoryAuthority: 'HBDI Hessen',
    });
    expect(res.body.missingFields).toEqual([]);
    expect(res.body.configVersion).toBe(before.configVersion + 1);
    // Sending the same values again changes nothing and records nothing.
    const same = await admin.client.patch('/api/organisation', { address: 'Neue Mainzer Str. 1, 60311 Frankfurt' });
    expect(same.body.configVersion).toBe(res.body.configVersion);
  });

  it('stores an empty optional field as none, and drops the transfer safeguard when moving back to the EEA (G52)', async () => {
    const phone = await admin.client.patch('/api/organisation', { dpoPhone: '' });
    expect(phone.body.dpoPhone).toBeNull();
    await admin.client.patch('/api/organisation', { residencyRegion: 'US', residencySafeguard: 'SCCs 2021/914 + TIA' });
    const back = await admin.client.patch('/api/organisation', { residencyRegion: 'EEA' });
    expect(back.body).toMatchObject({ residencyRegion: 'EEA', residencySafeguard: null });
  });

  it('will not send a set-up link to a disabled account, and voids the links it already has', async () => {
    const res = await admin.client.post('/api/users', { email: 'leaver@bank.example', displayName: 'Leaver', role: 'agent' });
    const token = new URL(res.body.setupLink.url).hash.slice('#token='.length);
    await admin.client.patch(`/api/users/${res.body.user.id}`, { disabled: true });
    const resend = await admin.client.post(`/api/users/${res.body.user.id}/setup-link`);
    expect(resend.status).toBe(409);
    const inspect = await t.client().post('/api/setup/inspect', { token });
    expect(inspect.status).toBe(410);
    expect(inspect.body.error.message).toMatch(/disabled/);
    const complete = await t.client().post('/api/setup/complete', { token, password: 'a long enough password' });
    expect(complete.status).toBe(410);
  });

  it('treats a TOTP reset of a user without TOTP as nothing to do', async () => {
    const agent = await addUser(t, admin, 'agent');
    const before = (await admin.client.get('/api/audit-events?type=user.totp_reset')).body.events.length;
    expect((await admin.client.post(`/api/users/${agent.userId}/totp-reset`)).status).toBe(200);
    expect((await admin.client.get('/api/audit-events?type=user.totp_reset')).body.events.length).toBe(before);
    expect((await agent.client.get('/api/organisation')).status).toBe(200); // session kept
  });

  it('resets a lost authenticator: the user enrols again at next sign-in', async () => {
    const dpo = await addUser(t, admin, 'dpo');
    const reset = await admin.client.post(`/api/users/${dpo.userId}/totp-reset`);
    expect(reset.body.totpEnabled).toBe(false);
    expect((await dpo.client.get('/api/organisation')).status).toBe(401);
    const login = await t.client().post('/api/auth/login', { email: dpo.email, password: 'correct horse battery staple' });
    expect(login.body.stage).toBe('totp_enrolment');
  });

  it('records GDPR training attestations with their date and shows the latest on the user', async () => {
    const agent = await addUser(t, admin, 'agent');
    await admin.client.post(`/api/users/${agent.userId}/training`, { course: 'GDPR for advisers', completedOn: '2025-03-01' });
    await admin.client.post(`/api/users/${agent.userId}/training`, { course: 'GDPR refresher', completedOn: '2026-03-01' });
    const list = await admin.client.get(`/api/users/${agent.userId}/training`);
    expect(list.body.attestations.map((a: any) => a.completedOn)).toEqual(['2026-03-01', '2025-03-01']);
    expect(list.body.attestations[0].recordedBy).toBe(admin.userId);
    expect((await admin.client.get(`/api/users/${agent.userId}`)).body.lastTrainingOn).toBe('2026-03-01');
  });

  it('treats empty filter parameters as no filter', async () => {
    const res = await admin.client.get('/api/audit-events?type=&actorId=&from=&limit=1');
    expect(res.status).toBe(200);
    expect(res.body.events).toHaveLength(1);
  });

  it('tells a signed-out browser it is signed out without a 401', async () => {
    expect((await t.client().get('/api/auth/session')).body).toEqual({ signedIn: false });
    expect((await admin.client.get('/api/auth/session')).body).toEqual({ signedIn: true, stage: 'active' });
  });

  it('refuses a second account with the same email', async () => {
    const res = await admin.client.post('/api/users', { email: admin.email.toUpperCase(), displayName: 'Dup', role: 'agent' });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('EMAIL_TAKEN');
  });
});
