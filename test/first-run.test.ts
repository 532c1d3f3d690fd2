import { afterEach, describe, expect, it } from 'vitest';
import { ensureFirstAdmin } from '../src/accounts/bootstrap.ts';
import { verifyChain } from '../src/audit/verify-chain.ts';
import { startTestParley, type TestParley } from './support/harness.ts';

describe('first run', () => {
  let t: TestParley | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('creates the first organisation and a one-time link; a restart before set-up voids the old link', async () => {
    t = await startTestParley('sqlite', { PARLEY_ORG_NAME: 'Kanzlei Muster' });
    const first = await ensureFirstAdmin(t.parley.deps);
    expect(first.kind).toBe('setup_link');
    const second = await ensureFirstAdmin(t.parley.deps);
    expect(second.kind).toBe('setup_link');
    if (first.kind !== 'setup_link' || second.kind !== 'setup_link') throw new Error('unreachable');
    expect(second.orgId).toBe(first.orgId);
    const tokenOf = (url: string) => url.split('#token=')[1];
    const c = t.client();
    expect((await c.post('/api/setup/inspect', { token: tokenOf(first.link.url) })).status).toBe(410);
    const info = await c.post('/api/setup/inspect', { token: tokenOf(second.link.url) });
    expect(info.body).toEqual({ kind: 'first_admin', organisationName: 'Kanzlei Muster', email: null, displayName: null });
    const done = await c.post('/api/setup/complete', {
      token: tokenOf(second.link.url),
      email: 'Owner@Kanzlei.example',
      displayName: 'Olga Owner',
      password: 'a long enough password',
    });
    expect(done.body.stage).toBe('totp_enrolment');
    expect((await c.get('/api/me')).body.user).toMatchObject({ email: 'owner@kanzlei.example', role: 'admin' });
    expect((await ensureFirstAdmin(t.parley.deps)).kind).toBe('existing');
    expect((await verifyChain(t.parley.deps.db, first.orgId)).ok).toBe(true);
  });

  it('takes the first admin from PARLEY_ADMIN_EMAIL/PASSWORD and asks for TOTP at first sign-in', async () => {
    t = await startTestParley('sqlite', { PARLEY_ADMIN_EMAIL: 'boss@shop.example', PARLEY_ADMIN_PASSWORD: 'twelve chars or more' });
    expect(await ensureFirstAdmin(t.parley.deps)).toMatchObject({ kind: 'admin_from_env', email: 'boss@shop.example' });
    const login = await t.client().post('/api/auth/login', { email: 'boss@shop.example', password: 'twelve chars or more' });
    expect(login.body.stage).toBe('totp_enrolment');
  });

  it('refuses a first-admin set-up without email and name, and a short password', async () => {
    t = await startTestParley('sqlite');
    const r = await ensureFirstAdmin(t.parley.deps);
    if (r.kind !== 'setup_link') throw new Error('expected a link');
    const token = r.link.url.split('#token=')[1];
    const c = t.client();
    const noEmail = await c.post('/api/setup/complete', { token, password: 'a long enough password' });
    expect(noEmail.status).toBe(400);
    const short = await c.post('/api/setup/complete', { token, password: 'short', email: 'a@b.example', displayName: 'A' });
    expect(short.status).toBe(400);
    expect(short.body.error.message).toMatch(/at least 12 characters/);
    // Neither attempt used up the link.
    expect((await c.post('/api/setup/inspect', { token })).status).toBe(200);
  });
});
