import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentCode } from '../../src/accounts/totp.ts';
import { dialects } from '../support/dialects.ts';
import {
  addUser,
  createOrgWithAdmin,
  startTestParley,
  TEST_PASSWORD,
  type SignedIn,
  type TestParley,
} from '../support/harness.ts';

for (const d of dialects) {
  describe.skipIf(!d.available)(`sign-in, lockout, TOTP and CSRF (${d.name})`, () => {
    let t: TestParley;
    let admin: SignedIn;

    beforeAll(async () => {
      t = await startTestParley(d.name, { PARLEY_LOGIN_MAX_FAILURES: '5', PARLEY_LOGIN_LOCKOUT_MINUTES: '15' });
      admin = await createOrgWithAdmin(t);
    });
    afterAll(async () => t?.close());

    it('locks an account after 5 bad passwords, refuses even the right one, and unlocks after the window (G46)', async () => {
      const agent = await addUser(t, admin, 'agent');
      const c = t.client();
      for (let i = 0; i < 4; i++) {
        const res = await c.post('/api/auth/login', { email: agent.email, password: 'wrong password!!' });
        expect(res.status).toBe(401);
        expect(res.body.error.code).toBe('INVALID_CREDENTIALS');
      }
      expect((await c.post('/api/auth/login', { email: agent.email, password: 'wrong password!!' })).status).toBe(401);
      const locked = await c.post('/api/auth/login', { email: agent.email, password: TEST_PASSWORD });
      expect(locked.status).toBe(423);
      expect(locked.body.error.code).toBe('ACCOUNT_LOCKED');
      expect(locked.body.error.message).toMatch(/15 more minutes/);

      const events = await admin.client.get(`/api/audit-events?type=auth.locked_out&actorId=`);
      expect(events.body.events.some((e: any) => e.data.userId === agent.userId)).toBe(true);

      t.clock.advance(15 * 60_000 + 1000);
      const after = await c.post('/api/auth/login', { email: agent.email, password: TEST_PASSWORD });
      expect(after.status).toBe(200);
      expect(after.body.stage).toBe('active');
    });

    it('answers an unknown email exactly like a known one, lockout included (no account enumeration)', async () => {
      const c = t.client();
      const ghost = 'nobody-here@example.test';
      const answers: string[] = [];
      for (let i = 0; i < 6; i++) {
        const res = await c.post('/api/auth/login', { email: ghost, password: 'wrong password!!' });
        answers.push(`${res.status} ${res.body.error.code}`);
      }
      expect(answers).toEqual([...Array(5).fill('401 INVALID_CREDENTIALS'), '423 ACCOUNT_LOCKED']);
    });

    it('sends admins to TOTP enrolment and keeps them out of the API until they finish (G46)', async () => {
      const res = await admin.client.post('/api/users', { email: `new.admin.${Date.now()}@example.test`, displayName: 'Nina', role: 'admin' });
      const token = new URL(res.body.setupLink.url).hash.replace('#token=', '');
      const c = t.client();
      const done = await c.post('/api/setup/complete', { token, password: TEST_PASSWORD });
      expect(done.body.stage).toBe('totp_enrolment');
      const blocked = await c.get('/api/users');
      expect(blocked.status).toBe(403);
      expect(blocked.body.error.code).toBe('TOTP_ENROLMENT_REQUIRED');
      const enrol = await c.post('/api/auth/totp/enrolment');
      expect(enrol.body.otpauthUri).toMatch(/^otpauth:\/\/totp\/Parley:/);
      expect(enrol.body.qrCodeDataUrl).toMatch(/^data:image\/png;base64,/);
      const wrong = await c.post('/api/auth/totp/enrolment/confirm', { code: '000000' === currentCode(enrol.body.secret, t.clock.now()) ? '111111' : '000000' });
      expect(wrong.status).toBe(401);
      const ok = await c.post('/api/auth/totp/enrolment/confirm', { code: currentCode(enrol.body.secret, t.clock.now()) });
      expect(ok.body.stage).toBe('active');
      expect((await c.get('/api/users')).status).toBe(200);
      // The secret is sealed at rest, never stored as typed.
      const row = await t.parley.deps.db.selectFrom('users').select('totp_secret_sealed').where('id', '=', res.body.user.id).executeTakeFirstOrThrow();
      expect(row.totp_secret_sealed).not.toContain(enrol.body.secret);
      // The setup link worked once.
      expect((await t.client().post('/api/setup/inspect', { token })).status).toBe(410);
    });

    it('asks a TOTP user for a code after the password, and says in words that a replayed code was already used (issue 12, finding 16)', async () => {
      t.clock.advance(30_000);
      const c = t.client();
      const first = await c.post('/api/auth/login', { email: admin.email, password: TEST_PASSWORD });
      expect(first.body.stage).toBe('totp');
      const gated = await c.get('/api/organisation');
      expect(gated.body.error.code).toBe('TOTP_REQUIRED');
      const code = currentCode(admin.totpSecret!, t.clock.now());
      expect((await c.post('/api/auth/totp', { code })).body.stage).toBe('active');

      const c2 = t.client();
      await c2.post('/api/auth/login', { email: admin.email, password: TEST_PASSWORD });
      const replay = await c2.post('/api/auth/totp', { code });
      expect(replay.status).toBe(401);
      expect(replay.body.error.code).toBe('TOTP_REPLAYED');
      expect(replay.body.error.message).toBe('This code was already used. Wait for the next code in your app.');
      // A wrong code is a different answer: not "already used", and the clock hint belongs here.
      const wrong = await c2.post('/api/auth/totp', { code: code === '000000' ? '111111' : '000000' });
      expect(wrong.body.error.code).toBe('TOTP_INVALID');
      expect(wrong.body.error.message).not.toMatch(/already used/);
      expect(wrong.body.error.message).toMatch(/time/);
      // Both count towards the lockout and are audited with their own reason.
      const failed = await admin.client.get('/api/audit-events?type=auth.login_failed');
      const reasons = failed.body.events.filter((e: any) => e.data.userId === admin.userId).map((e: any) => e.data.reason);
      expect(reasons).toEqual(expect.arrayContaining(['totp_replayed', 'totp']));
      // The next code works.
      t.clock.advance(30_000);
      expect((await c2.post('/api/auth/totp', { code: currentCode(admin.totpSecret!, t.clock.now()) })).body.stage).toBe('active');
    });

    it('lets only one of two sign-ins racing with the same code through', async () => {
      t.clock.advance(60_000);
      const [a, b] = [t.client(), t.client()];
      for (const c of [a, b]) expect((await c.post('/api/auth/login', { email: admin.email, password: TEST_PASSWORD })).body.stage).toBe('totp');
      const code = currentCode(admin.totpSecret!, t.clock.now());
      const answers = await Promise.all([a.post('/api/auth/totp', { code }), b.post('/api/auth/totp', { code })]);
      expect(answers.map((r) => r.status).sort()).toEqual([200, 401]);
      expect(answers.find((r) => r.status === 401)!.body.error.code).toBe('TOTP_REPLAYED');
    });

    describe('recovery codes (issue 12, finding 16)', () => {
      /** A DPO enrolled through the API as a person would, with the recovery codes the enrolment showed. */
      async function enrolledDpo() {
        const email = `dpo.recovery.${Date.now()}.${Math.random().toString(36).slice(2)}@example.test`;
        const invited = await admin.client.post('/api/users', { email, displayName: 'Dora DPO', role: 'dpo' });
        expect(invited.status, invited.raw).toBe(201);
        const userId = invited.body.user.id as string;
        const c = t.client();
        await c.post('/api/setup/complete', { token: new URL(invited.body.setupLink.url).hash.slice('#token='.length), password: TEST_PASSWORD });
        const secret = (await c.post('/api/auth/totp/enrolment')).body.secret as string;
        const confirmed = await c.post('/api/auth/totp/enrolment/confirm', { code: currentCode(secret, t.clock.now()) });
        expect(confirmed.status, confirmed.raw).toBe(200);
        return { email, userId, secret, client: c, codes: confirmed.body.recoveryCodes as string[] };
      }
      const atCodeStep = async (email: string) => {
        const c = t.client();
        expect((await c.post('/api/auth/login', { email, password: TEST_PASSWORD })).body.stage).toBe('totp');
        return c;
      };
      const db = () => t.parley.deps.db;

      it('makes ten single-use codes at enrolment, shows them once and stores only keyed hashes', async () => {
        const dpo = await enrolledDpo();
        expect(dpo.codes).toHaveLength(10);
        expect(new Set(dpo.codes).size).toBe(10);
        for (const code of dpo.codes) expect(code).toMatch(/^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$/);
        const rows = await db().selectFrom('totp_recovery_codes').selectAll().where('user_id', '=', dpo.userId).execute();
        expect(rows).toHaveLength(10);
        const stored = JSON.stringify(rows);
        for (const code of dpo.codes) {
          expect(stored).not.toContain(code);
          expect(stored).not.toContain(code.replaceAll('-', ''));
        }
        expect((await dpo.client.get('/api/me')).body.recoveryCodesLeft).toBe(10);
        const generated = await admin.client.get('/api/audit-events?type=user.recovery_codes_generated');
        expect(generated.body.events.some((e: any) => e.data.userId === dpo.userId && e.data.count === 10)).toBe(true);
      });

      it('signs in with a recovery code instead of a TOTP code, once per code, audited, and says how many are left', async () => {
        const dpo = await enrolledDpo();
        const c = await atCodeStep(dpo.email);
        // Typed as people type: capitals, spaces instead of dashes.
        const used = await c.post('/api/auth/recovery-code', { code: dpo.codes[3]!.toUpperCase().replaceAll('-', ' ') });
        expect(used.status, used.raw).toBe(200);
        expect(used.body).toEqual({ stage: 'active', recoveryCodesLeft: 9 });
        expect((await c.get('/api/organisation')).status).toBe(200);
        expect((await c.get('/api/me')).body.recoveryCodesLeft).toBe(9);

        const again = await atCodeStep(dpo.email);
        const reused = await again.post('/api/auth/recovery-code', { code: dpo.codes[3] });
        expect(reused.status).toBe(401);
        expect(reused.body.error.code).toBe('RECOVERY_CODE_INVALID');
        expect(reused.body.error.message).toMatch(/already used/);
        expect((await again.get('/api/organisation')).body.error.code).toBe('TOTP_REQUIRED');
        const garbled = await again.post('/api/auth/recovery-code', { code: 'not a code' });
        expect(garbled.status).toBe(400);
        expect(garbled.body.error.message).toMatch(/12 letters and digits/);

        const usedEvents = (await admin.client.get('/api/audit-events?type=auth.recovery_code_used')).body.events.filter((e: any) => e.data.userId === dpo.userId);
        expect(usedEvents.map((e: any) => e.data.codesLeft)).toEqual([9]);
        const failed = (await admin.client.get('/api/audit-events?type=auth.login_failed')).body.events.filter((e: any) => e.data.userId === dpo.userId);
        expect(failed.map((e: any) => e.data.reason)).toEqual(['recovery_code']);
        // A session that is already signed in has no use for one.
        expect((await c.post('/api/auth/recovery-code', { code: dpo.codes[4] })).status).toBe(409);
      });

      it('locks sign-in after repeated wrong recovery codes, like wrong passwords and TOTP codes', async () => {
        const dpo = await enrolledDpo();
        const c = await atCodeStep(dpo.email);
        for (let i = 0; i < 4; i++) expect((await c.post('/api/auth/recovery-code', { code: 'aaaa-bbbb-cccc' })).body.error.code).toBe('RECOVERY_CODE_INVALID');
        const fifth = await c.post('/api/auth/recovery-code', { code: 'aaaa-bbbb-cccc' });
        expect(fifth.status).toBe(401);
        const locked = await t.client().post('/api/auth/login', { email: dpo.email, password: TEST_PASSWORD });
        expect(locked.status).toBe(423);
        expect(locked.body.error.code).toBe('ACCOUNT_LOCKED');
        t.clock.advance(15 * 60_000 + 1000);
        // The lockout did not spend a right code: it still works afterwards.
        const after = await atCodeStep(dpo.email);
        expect((await after.post('/api/auth/recovery-code', { code: dpo.codes[0] })).body.recoveryCodesLeft).toBe(9);
      });

      it('makes a new set only with a current TOTP code; the old set stops working', async () => {
        const dpo = await enrolledDpo();
        t.clock.advance(30_000);
        const wrong = await dpo.client.post('/api/auth/recovery-codes', { code: currentCode(dpo.secret, t.clock.now()) === '000000' ? '111111' : '000000' });
        expect(wrong.status).toBe(401);
        expect(wrong.body.error.code).toBe('TOTP_INVALID');
        const missing = await dpo.client.post('/api/auth/recovery-codes', {});
        expect(missing.status).toBe(400);
        const made = await dpo.client.post('/api/auth/recovery-codes', { code: currentCode(dpo.secret, t.clock.now()) });
        expect(made.status, made.raw).toBe(200);
        const fresh = made.body.recoveryCodes as string[];
        expect(fresh).toHaveLength(10);
        expect(fresh.some((code) => dpo.codes.includes(code))).toBe(false);
        // The same TOTP code cannot make another set.
        const replayed = await dpo.client.post('/api/auth/recovery-codes', { code: currentCode(dpo.secret, t.clock.now()) });
        expect(replayed.body.error.code).toBe('TOTP_REPLAYED');

        const c = await atCodeStep(dpo.email);
        expect((await c.post('/api/auth/recovery-code', { code: dpo.codes[0] })).body.error.code).toBe('RECOVERY_CODE_INVALID');
        expect((await c.post('/api/auth/recovery-code', { code: fresh[0] })).body).toEqual({ stage: 'active', recoveryCodesLeft: 9 });
      });

      it("lets another admin reset a user's second factor: codes gone, sessions ended, audited with who did it", async () => {
        const dpo = await enrolledDpo();
        const reset = await admin.client.post(`/api/users/${dpo.userId}/totp-reset`);
        expect(reset.status, reset.raw).toBe(200);
        expect(reset.body.totpEnabled).toBe(false);
        expect((await dpo.client.get('/api/me')).status).toBe(401);
        expect(await db().selectFrom('totp_recovery_codes').select('code_hash').where('user_id', '=', dpo.userId).execute()).toEqual([]);
        const events = (await admin.client.get('/api/audit-events?type=user.totp_reset')).body.events.filter((e: any) => e.data.userId === dpo.userId);
        expect(events).toHaveLength(1);
        expect(events[0].actor).toMatchObject({ type: 'user', id: admin.userId });
        // They set it up again at the next sign-in, with new codes.
        const c = t.client();
        expect((await c.post('/api/auth/login', { email: dpo.email, password: TEST_PASSWORD })).body.stage).toBe('totp_enrolment');
        const secret = (await c.post('/api/auth/totp/enrolment')).body.secret as string;
        const again = await c.post('/api/auth/totp/enrolment/confirm', { code: currentCode(secret, t.clock.now()) });
        expect(again.body.recoveryCodes).toHaveLength(10);
        expect((await c.get('/api/me')).body.recoveryCodesLeft).toBe(10);
      });
    });

    it('rejects cookie-authenticated writes without a valid CSRF token', async () => {
      const noToken = await admin.client.request('PATCH', '/api/organisation', { address: 'Somewhere 1' }, { csrf: false });
      expect(noToken.status).toBe(403);
      expect(noToken.body.error.code).toBe('CSRF_FAILED');
      const forged = await admin.client.request('PATCH', '/api/organisation', { address: 'Somewhere 1' }, {
        csrf: false,
        headers: { 'x-csrf-token': 'forged-token-value' },
      });
      expect(forged.status).toBe(403);
      // A token minted for another browser (another CSRF cookie) does not work either.
      const other = t.client();
      const otherToken = (await other.get('/api/auth/csrf')).body.token;
      const crossed = await admin.client.request('PATCH', '/api/organisation', { address: 'Somewhere 1' }, {
        csrf: false,
        headers: { 'x-csrf-token': otherToken },
      });
      expect(crossed.status).toBe(403);
      expect((await admin.client.get('/api/organisation')).body.address).not.toBe('Somewhere 1');
      // Login itself is protected against login-CSRF.
      const login = await t.client().request('POST', '/api/auth/login', { email: admin.email, password: TEST_PASSWORD }, { csrf: false });
      expect(login.body.error.code).toBe('CSRF_FAILED');
    });

    it('sets the session cookie httpOnly and SameSite=Strict, and ends the session on logout', async () => {
      const { client } = await addUser(t, admin, 'agent');
      const c = t.client();
      const email = (await client.get('/api/me')).body.user.email;
      const res = await c.post('/api/auth/login', { email, password: TEST_PASSWORD });
      const cookie = [res.headers['set-cookie']].flat().find((v) => String(v).startsWith('parley_session='));
      expect(cookie).toMatch(/HttpOnly/i);
      expect(cookie).toMatch(/SameSite=Strict/i);
      expect(cookie).not.toMatch(/Secure/i); // http://localhost
      const sessionValue = c.cookies.get('parley_session')!;
      expect((await c.post('/api/auth/logout')).status).toBe(204);
      expect(c.cookies.has('parley_session')).toBe(false);
      // The old cookie value is dead on the server too, not just cleared in the browser.
      const stale = t.client();
      stale.cookies.set('parley_session', sessionValue);
      expect((await stale.get('/api/me')).status).toBe(401);
    });

    it('ends a user\'s sessions when their role changes or they are disabled', async () => {
      const agent = await addUser(t, admin, 'agent');
      expect((await agent.client.get('/api/organisation')).status).toBe(200);
      await admin.client.patch(`/api/users/${agent.userId}`, { role: 'dpo' });
      expect((await agent.client.get('/api/organisation')).status).toBe(401);
      const relog = t.client();
      const again = await relog.post('/api/auth/login', { email: agent.email, password: TEST_PASSWORD });
      expect(again.body.stage).toBe('totp_enrolment'); // dpo needs TOTP now
      await admin.client.patch(`/api/users/${agent.userId}`, { disabled: true });
      expect((await relog.get('/api/me')).status).toBe(401);
      const disabled = await t.client().post('/api/auth/login', { email: agent.email, password: TEST_PASSWORD });
      expect(disabled.body.error.code).toBe('INVALID_CREDENTIALS');
    });

    it('refuses to demote or disable the last active admin', async () => {
      const solo = await createOrgWithAdmin(t, 'Solo GmbH');
      for (const change of [{ role: 'agent' }, { disabled: true }]) {
        const res = await solo.client.patch(`/api/users/${solo.userId}`, change);
        expect(res.status).toBe(409);
        expect(res.body.error.code).toBe('LAST_ADMIN');
      }
      expect((await solo.client.get('/api/me')).body.user.role).toBe('admin');
    });
  });
}

describe('per-address rate limit', () => {
  it('answers 429 RATE_LIMITED once an address exceeds its sign-in attempts per minute (G46)', async () => {
    const t = await startTestParley('sqlite', { PARLEY_LOGIN_RATE_PER_MINUTE: '3' });
    try {
      const c = t.client();
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        statuses.push((await c.post('/api/auth/login', { email: `a${i}@example.test`, password: 'whatever it is' })).status);
      }
      expect(statuses).toEqual([401, 401, 401, 429]);
      const limited = await c.post('/api/auth/login', { email: 'b@example.test', password: 'whatever it is' });
      expect(limited.body.error.code).toBe('RATE_LIMITED');
    } finally {
      await t.close();
    }
  });
});

describe('secure cookies', () => {
  it('marks cookies Secure when the public URL is https', async () => {
    const t = await startTestParley('sqlite', { PARLEY_PUBLIC_URL: 'https://calls.example.eu' });
    try {
      const res = await t.client().get('/api/auth/csrf');
      expect(String([res.headers['set-cookie']].flat()[0])).toMatch(/Secure/);
      expect(res.headers['strict-transport-security']).toBeDefined();
    } finally {
      await t.close();
    }
  });
});
