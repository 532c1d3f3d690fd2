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

    it('asks a TOTP user for a code after the password, and refuses a replayed code', async () => {
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
      expect(replay.body.error.code).toBe('TOTP_INVALID');
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
