import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HIDDEN_SETUP_LINK } from '../../src/mail/outbox.ts';
import { MAIL_SEAL_LABEL } from '../../src/mail/queue-mail.ts';
import { dialects } from '../support/dialects.ts';
import { addUser, createOrgWithAdmin, startTestParley, TEST_PASSWORD, type SignedIn, type TestParley } from '../support/harness.ts';
import { startTestSmtp, type TestSmtp } from '../support/smtp.ts';

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

const tokenOf = (url: string) => new URL(url).hash.slice('#token='.length);
const linkIn = (text: string) => /\S+\/setup#token=psl_\S+/.exec(text)?.[0];
const daysAgo = (t: TestParley, days: number) => new Date(t.clock.now().getTime() - days * 86_400_000).toISOString().slice(0, 10);

for (const d of dialects) {
  describe.skipIf(!d.available)(`inviting by mail (${d.name}) — issue 12, finding 16`, () => {
    let smtp: TestSmtp;
    let t: TestParley;
    let admin: SignedIn;
    beforeAll(async () => {
      smtp = await startTestSmtp();
      t = await startTestParley(d.name, { PARLEY_SMTP_URL: smtp.url, PARLEY_PUBLIC_URL: 'https://calls.bank.example' });
      admin = await createOrgWithAdmin(t, 'Musterbank AG');
    });
    afterAll(async () => {
      await t?.close();
      await smtp?.close();
    });

    /** Sends what is queued and returns the mails to `to` since `before`. */
    async function mailsTo(to: string, before: number) {
      await t.parley.jobs.runDue();
      const all = await smtp.waitFor(before + 1);
      return all.slice(before).filter((m) => m.to && !Array.isArray(m.to) && m.to.value[0]?.address === to);
    }

    it('mails the set-up link to the invited person, says to whom, and does not hand the link to the admin', async () => {
      const email = 'nina.neu@bank.example';
      const before = smtp.messages.length;
      const res = await admin.client.post('/api/users', { email: 'Nina.Neu@Bank.example', displayName: 'Nina Neu', role: 'dpo' });
      expect(res.status, res.raw).toBe(201);
      expect(res.body.setupLink).toMatchObject({ sentTo: email, transport: 'smtp', url: null });
      expect(Date.parse(res.body.setupLink.expiresAt)).toBeGreaterThan(t.clock.now().getTime());
      expect(res.raw).not.toContain('psl_');

      const [mail] = await mailsTo(email, before);
      expect(mail, 'the invitation reached the SMTP peer').toBeDefined();
      expect(mail!.to && !Array.isArray(mail!.to) && mail!.to.value[0]).toMatchObject({ name: 'Nina Neu', address: email });
      expect(mail!.subject).toBe('Your Parley account at Musterbank AG');
      const text = mail!.text ?? '';
      expect(text).toContain('Ada Admin has created a Parley account for you at Musterbank AG, as the data protection officer.');
      expect(text).toMatch(/authenticator app/);
      const link = linkIn(text)!;
      expect(link).toMatch(/^https:\/\/calls\.bank\.example\/setup#token=psl_/);
      expect(mail!.subject).not.toContain('psl_');
      expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}T/); // the expiry in words, not an ISO timestamp

      // The link in the mail is the working one.
      const info = await t.client().post('/api/setup/inspect', { token: tokenOf(link) });
      expect(info.status, info.raw).toBe(200);
      expect(info.body).toMatchObject({ kind: 'user', email, displayName: 'Nina Neu' });

      // Nothing of it reached the logs: not the link, the address or the name.
      const logs = t.logs.join('\n');
      for (const needle of [tokenOf(link), 'psl_', email, 'Nina', 'Neu']) expect(logs, `log contains ${needle}`).not.toContain(needle);
      // The outbox shows the kind of the message; its content stays sealed at rest.
      const row = await t.parley.deps.db.selectFrom('mail_outbox').selectAll().where('to_address', '=', email).executeTakeFirstOrThrow();
      expect(row).toMatchObject({ kind: 'user.invitation', status: 'sent', purpose: 'staff_account_management' });
      expect(row.content_sealed).not.toContain('psl_');
    });

    it('mails a new link on request, voiding the old one: the invitation again before set-up, a new-link mail after', async () => {
      const email = 'otto.offen@bank.example';
      let before = smtp.messages.length;
      const res = await admin.client.post('/api/users', { email, displayName: 'Otto Offen', role: 'agent' });
      const first = linkIn((await mailsTo(email, before))[0]!.text ?? '')!;

      before = smtp.messages.length;
      const again = await admin.client.post(`/api/users/${res.body.user.id}/setup-link`);
      expect(again.status, again.raw).toBe(200);
      expect(again.body).toMatchObject({ sentTo: email, transport: 'smtp', url: null });
      const [resent] = await mailsTo(email, before);
      expect(resent!.subject).toBe('Your Parley account at Musterbank AG');
      const second = linkIn(resent!.text ?? '')!;
      expect(second).not.toBe(first);
      expect((await t.client().post('/api/setup/inspect', { token: tokenOf(first) })).status).toBe(410);
      expect((await t.client().post('/api/setup/complete', { token: tokenOf(second), password: TEST_PASSWORD })).status).toBe(200);

      before = smtp.messages.length;
      expect((await admin.client.post(`/api/users/${res.body.user.id}/setup-link`)).status).toBe(200);
      const [reset] = await mailsTo(email, before);
      expect(reset!.subject).toBe('A new link for your Parley account at Musterbank AG');
      expect(reset!.text).toContain('Choose a new password here:');
      expect(reset!.text).not.toMatch(/authenticator app/); // agents sign in without one
      expect(await t.parley.deps.db.selectFrom('mail_outbox').select('kind').where('to_address', '=', email).orderBy('created_at').execute()).toEqual([
        { kind: 'user.invitation' },
        { kind: 'user.invitation' },
        { kind: 'user.setup_link' },
      ]);
    });

    it('refuses a name with a line break with a message in words, and writes nothing', async () => {
      const res = await admin.client.post('/api/users', { email: 'crlf@bank.example', displayName: 'Eve\r\nBcc: all@bank.example', role: 'agent' });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
      expect(JSON.stringify(res.body.error)).toMatch(/on one line/);
      expect(await t.parley.deps.db.selectFrom('users').select('id').where('email', '=', 'crlf@bank.example').execute()).toEqual([]);
    });
  });

  describe.skipIf(!d.available)(`inviting without a mail server (${d.name}) — issue 12, finding 16`, () => {
    let t: TestParley;
    let admin: SignedIn;
    beforeAll(async () => {
      t = await startTestParley(d.name);
      admin = await createOrgWithAdmin(t);
    });
    afterAll(async () => t?.close());

    it('keeps the invitation in the outbox and hands the admin the same link to pass on, saying it was not sent', async () => {
      const email = 'paula.post@bank.example';
      const res = await admin.client.post('/api/users', { email, displayName: 'Paula Post', role: 'agent' });
      expect(res.status, res.raw).toBe(201);
      expect(res.body.setupLink).toMatchObject({ sentTo: email, transport: 'outbox' });
      expect(res.body.setupLink.url).toMatch(/\/setup#token=psl_/);
      await t.parley.jobs.runDue();
      const { deps } = t.parley;
      const row = await deps.db.selectFrom('mail_outbox').selectAll().where('to_address', '=', email).executeTakeFirstOrThrow();
      expect(row).toMatchObject({ kind: 'user.invitation', status: 'kept' });
      const content = JSON.parse(deps.keys.open(MAIL_SEAL_LABEL, row.id, row.content_sealed));
      expect(linkIn(content.text)).toBe(res.body.setupLink.url);
      expect(content.subject).not.toContain('psl_');

      // Whoever reads the outbox (another admin, a DPO) never sees the link: it would let them set her password.
      const opened = await admin.client.get(`/api/outbox/${row.id}`);
      expect(opened.status, opened.raw).toBe(200);
      expect(opened.raw).not.toContain('psl_');
      expect(opened.body.text).toContain(HIDDEN_SETUP_LINK);
      const list = await admin.client.get('/api/outbox');
      expect(list.raw).not.toContain('psl_');
    });
  });

  describe.skipIf(!d.available)(`GDPR training attestations (${d.name}) — issue 12, finding 16`, () => {
    let t: TestParley;
    let admin: SignedIn;
    let dpo: SignedIn;
    let agent: SignedIn;
    const validDays = 365;
    beforeAll(async () => {
      t = await startTestParley(d.name, { PARLEY_TRAINING_VALID_DAYS: String(validDays) });
      admin = await createOrgWithAdmin(t, 'Training Bank AG');
      dpo = await addUser(t, admin, 'dpo');
      agent = await addUser(t, admin, 'agent');
    });
    afterAll(async () => t?.close());
    const rows = (userId: string) => t.parley.deps.db.selectFrom('training_attestations').select('id').where('user_id', '=', userId).execute();

    it('refuses to let anyone attest their own training, and says who can', async () => {
      for (const who of [admin, dpo]) {
        const res = await who.client.post(`/api/users/${who.userId}/training`, { course: 'GDPR basics', completedOn: daysAgo(t, 1) });
        expect(res.status).toBe(403);
        expect(res.body.error.code).toBe('SELF_ATTESTATION');
        expect(res.body.error.message).toBe(
          'You cannot record your own GDPR training: someone else must confirm it. Ask your data protection officer or another administrator to record it for you.',
        );
        expect(await rows(who.userId)).toEqual([]);
      }
      // Not through an API token the admin made either.
      const token = await admin.client.post('/api/api-tokens', { name: 'HR system', role: 'admin' });
      const viaToken = await t.client().request('POST', `/api/users/${admin.userId}/training`, { course: 'GDPR basics', completedOn: daysAgo(t, 1) }, {
        csrf: false,
        headers: { authorization: `Bearer ${token.body.token}` },
      });
      expect(viaToken.status, viaToken.raw).toBe(403);
      expect(viaToken.body.error.code).toBe('SELF_ATTESTATION');
      // Someone else attests: the DPO for the admin, the admin for the DPO.
      const byDpo = await dpo.client.post(`/api/users/${admin.userId}/training`, { course: 'GDPR basics', completedOn: daysAgo(t, 1) });
      expect(byDpo.status, byDpo.raw).toBe(201);
      expect(byDpo.body).toMatchObject({ recordedBy: dpo.userId, warning: null, validUntil: daysAgo(t, 1 - validDays) });
      expect((await admin.client.post(`/api/users/${dpo.userId}/training`, { course: 'GDPR basics', completedOn: daysAgo(t, 1) })).status).toBe(201);
    });

    it('tells a sole admin what to do: invite the data protection officer, who records it', async () => {
      const solo = await createOrgWithAdmin(t, 'Solo Advice GmbH');
      const res = await solo.client.post(`/api/users/${solo.userId}/training`, { course: 'GDPR basics', completedOn: daysAgo(t, 1) });
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('SELF_ATTESTATION');
      expect(res.body.error.message).toMatch(/Nobody else in your organisation can record it yet: invite your data protection officer in Users/);
    });

    it('refuses a completion date in the future, in words', async () => {
      const tomorrow = daysAgo(t, -1);
      const res = await admin.client.post(`/api/users/${agent.userId}/training`, { course: 'GDPR basics', completedOn: tomorrow });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
      expect(res.body.error.message).toBe('The completion date is in the future. Enter the day the training was completed.');
      expect(await rows(agent.userId)).toEqual([]);
    });

    it('keeps a training older than the validity with a warning in words that it grants nothing', async () => {
      const completedOn = daysAgo(t, validDays + 30);
      const res = await admin.client.post(`/api/users/${agent.userId}/training`, { course: 'GDPR 2024', completedOn });
      expect(res.status, res.raw).toBe(201);
      const warning: string = res.body.warning;
      expect(warning).toMatch(/^Recorded, but this training no longer counts: it was completed on \d{1,2} [A-Z][a-z]+ \d{4}, and a training counts for 365 days/);
      expect(warning).toContain('It does not allow playing recordings.');
      expect(warning).not.toMatch(/\d{4}-\d{2}-\d{2}/);
      expect(res.body.validUntil < daysAgo(t, 0)).toBe(true);
      // The list says until when each one counts; a recent one has no warning.
      const recent = await admin.client.post(`/api/users/${agent.userId}/training`, { course: 'GDPR 2026', completedOn: daysAgo(t, 0) });
      expect(recent.body.warning).toBeNull();
      const list = await admin.client.get(`/api/users/${agent.userId}/training`);
      expect(list.body.attestations.map((a: any) => [a.course, a.validUntil])).toEqual([
        ['GDPR 2026', daysAgo(t, -validDays)],
        ['GDPR 2024', daysAgo(t, 30)],
      ]);
    });
  });
}
