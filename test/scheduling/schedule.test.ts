import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveJoinToken } from '../../src/scheduling/join-links.ts';
import { dialects } from '../support/dialects.ts';
import { addUser, createOrgWithAdmin, startTestParley, type SignedIn, type TestParley } from '../support/harness.ts';
import { startTestSmtp, type TestSmtp } from '../support/smtp.ts';

const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();

for (const d of dialects) {
  describe.skipIf(!d.available)(`scheduling and invitations (${d.name})`, () => {
    let smtp: TestSmtp;
    let t: TestParley;
    let admin: SignedIn;
    let agent: SignedIn;
    let callTypeId: string;

    beforeAll(async () => {
      smtp = await startTestSmtp();
      t = await startTestParley(d.name, { PARLEY_SMTP_URL: smtp.url, PARLEY_PUBLIC_URL: 'https://calls.bank.example' });
      admin = await createOrgWithAdmin(t, 'Musterbank AG');
      await admin.client.patch('/api/organisation', { contactEmail: 'datenschutz@bank.example', privacyPolicyUrl: 'https://bank.example/privacy' });
      agent = await addUser(t, admin, 'agent');
      const created = await admin.client.post('/api/call-types', {
        name: 'Anlageberatung',
        purposes: [
          { purpose: 'call_delivery', basis: 'contract' },
          { purpose: 'recording', basis: 'consent' },
        ],
        recordingMode: 'consent',
      });
      expect(created.status, created.raw).toBe(201);
      callTypeId = created.body.id;
    });
    afterAll(async () => {
      await t?.close();
      await smtp?.close();
    });

    const schedule = (c = agent.client, body: Record<string, unknown> = {}) =>
      c.post('/api/calls', {
        callTypeId,
        startsAt: inDays(2),
        durationMinutes: 30,
        customer: { displayName: 'Karla Kundin', email: 'Karla@Example.test' },
        locale: 'de',
        ...body,
      });

    it('schedules a call: the customer gets an invitation with short notice, right to object and .ics; the agent a confirmation', async () => {
      const before = smtp.messages.length;
      const res = await schedule();
      expect(res.status).toBe(201);
      expect(res.body.participants.map((p: any) => p.kind).sort()).toEqual(['agent', 'customer']);
      await t.parley.jobs.runDue();
      const mails = (await smtp.waitFor(before + 2)).slice(before);
      const invitation = mails.find((m) => m.subject?.startsWith('Einladung'))!;
      expect(invitation).toBeDefined();
      const to = invitation.to && !Array.isArray(invitation.to) ? invitation.to.value[0] : undefined;
      expect(to).toMatchObject({ address: 'karla@example.test', name: 'Karla Kundin' });
      const text = invitation.text ?? '';
      expect(text).toContain('Datenschutz in Kürze');
      expect(text).toContain('Verantwortlich: Musterbank AG');
      expect(text).toContain('https://bank.example/privacy');
      // The right to object stands apart from the rest (Art. 21(4), G17).
      expect(text).toMatch(/\n\nIhr Widerspruchsrecht\n/);
      const link = /https:\/\/calls\.bank\.example\/j\/(\S+)/.exec(text)?.[1];
      expect(link).toBeDefined();
      const state = await resolveJoinToken(t.parley.deps.db, t.parley.deps, link!);
      expect(state).toMatchObject({ status: 'ok', callId: res.body.id });
      const ics = invitation.attachments.find((a) => a.filename === 'invite.ics')!.content.toString();
      expect(ics).toContain('METHOD:REQUEST');
      expect(ics).toContain(`UID:${res.body.id}@calls.bank.example`);
      const confirmation = mails.find((m) => m.subject?.startsWith('Geplant'))!;
      expect(confirmation.text).not.toContain(link!); // the agent never gets the customer's personal link
    });

    it('finds the same customer again as one subject, so a rights request finds all their calls', async () => {
      const a = await schedule();
      const b = await schedule(agent.client, { customer: { displayName: 'Karla K.', email: 'karla@example.test' } });
      const subjectOf = (call: any) => call.participants.find((p: any) => p.kind === 'customer').subjectId;
      expect(subjectOf(a.body)).toBe(subjectOf(b.body));
    });

    it('reschedules (customer told, same link, calendar sequence bumped) and cancels (link then says cancelled)', async () => {
      const call = (await schedule()).body;
      await t.parley.jobs.runDue();
      const before = smtp.messages.length;
      const moved = await agent.client.patch(`/api/calls/${call.id}`, { startsAt: inDays(3) });
      expect(moved.status).toBe(200);
      expect(moved.body.startsAt).toBe(new Date(inDays(3)).toISOString().slice(0, 16) + moved.body.startsAt.slice(16));
      await t.parley.jobs.runDue();
      const [resched] = (await smtp.waitFor(before + 1)).slice(before);
      expect(resched!.subject).toMatch(/^Neuer Termin/);
      expect(resched!.attachments[0]!.content.toString()).toContain('SEQUENCE:1');
      const link = /\/j\/(\S+)/.exec(resched!.text ?? '')![1]!;

      const cancelled = await agent.client.post(`/api/calls/${call.id}/cancel`);
      expect(cancelled.body.status).toBe('cancelled');
      await t.parley.jobs.runDue();
      const last = (await smtp.waitFor(before + 2)).at(-1)!;
      expect(last.subject).toMatch(/^Abgesagt/);
      expect(last.attachments[0]!.content.toString()).toContain('METHOD:CANCEL');
      expect((await resolveJoinToken(t.parley.deps.db, t.parley.deps, link)).status).toBe('cancelled');
      expect((await agent.client.patch(`/api/calls/${call.id}`, { durationMinutes: 45 })).status).toBe(409);
    });

    it('refuses header injection, overlong names and anything beyond name and email about the customer (G23) — storing nothing', async () => {
      const count = async () => (await t.parley.deps.db.selectFrom('calls').select('id').execute()).length;
      const before = await count();
      const injection = await schedule(agent.client, { customer: { displayName: 'Eve\r\nBcc: all@example.test', email: 'eve@example.test' } });
      expect(injection.status).toBe(400);
      expect(injection.body.error.code).toBe('VALIDATION_FAILED');
      expect((await schedule(agent.client, { customer: { displayName: 'x'.repeat(10_000), email: 'long@example.test' } })).status).toBe(400);
      expect((await schedule(agent.client, { customer: { displayName: 'Phil', email: 'phil@example.test', phone: '+49 170 000' } })).status).toBe(400);
      expect((await schedule(agent.client, { birthday: '1990-01-01' })).status).toBe(400);
      expect((await schedule(agent.client, { startsAt: '2020-01-01T10:00:00Z' })).status).toBe(400);
      expect((await schedule(agent.client, { durationMinutes: 0 })).status).toBe(400);
      expect(await count()).toBe(before);
      const subjects = await t.parley.deps.db.selectFrom('subjects').select('email').execute();
      expect(subjects.map((s) => s.email)).not.toContain('eve@example.test');
    });

    it('invites another customer with their own link; both hear about a cancellation; nobody twice', async () => {
      const res = await schedule(agent.client, { customer: { displayName: 'Paul Partner', email: 'paul@example.test' } });
      expect(res.status).toBe(201);
      await t.parley.jobs.runDue();
      const before = smtp.messages.length;
      const added = await agent.client.post(`/api/calls/${res.body.id}/guests`, { displayName: 'Petra Partnerin', email: 'petra@example.test' });
      expect(added.status, added.raw).toBe(201);
      const customers = added.body.participants.filter((p: any) => p.kind === 'customer');
      expect(customers.map((p: any) => p.displayName).sort()).toEqual(['Paul Partner', 'Petra Partnerin']);
      await t.parley.jobs.runDue();
      const [invite] = (await smtp.waitFor(before + 1)).slice(before);
      const to = invite!.to && !Array.isArray(invite!.to) ? invite!.to.value[0] : undefined;
      expect(to).toMatchObject({ address: 'petra@example.test' });
      const link = /https:\/\/calls\.bank\.example\/j\/(\S+)/.exec(invite!.text ?? '')?.[1];
      const state = await resolveJoinToken(t.parley.deps.db, t.parley.deps, link!);
      expect(state).toMatchObject({ status: 'ok', callId: res.body.id, participantId: customers.find((p: any) => p.displayName === 'Petra Partnerin').id });

      const twice = await agent.client.post(`/api/calls/${res.body.id}/guests`, { displayName: 'Petra', email: 'petra@example.test' });
      expect(twice.status).toBe(409);
      expect(twice.body.error.message).toContain('already invited');
      const extra = await agent.client.post(`/api/calls/${res.body.id}/guests`, { displayName: 'X', email: 'x@example.test', phone: '123' });
      expect(extra.status).toBe(400); // only a name and an email (G23)

      const mark = smtp.messages.length;
      expect((await agent.client.post(`/api/calls/${res.body.id}/cancel`)).status).toBe(200);
      await t.parley.jobs.runDue();
      const cancelled = (await smtp.waitFor(mark + 2)).slice(mark);
      const recipients = cancelled.map((m) => (m.to && !Array.isArray(m.to) ? m.to.value[0]?.address : '')).sort();
      expect(recipients).toEqual(['paul@example.test', 'petra@example.test']);
      const late = await agent.client.post(`/api/calls/${res.body.id}/guests`, { displayName: 'Late', email: 'late@example.test' });
      expect(late.status).toBe(409);
    });

    it('shows agents only their own calls, and refuses a link edited to point elsewhere', async () => {
      const other = await addUser(t, admin, 'agent');
      const mine = (await schedule()).body;
      expect((await other.client.get(`/api/calls/${mine.id}`)).status).toBe(404);
      expect((await other.client.get('/api/calls')).body.calls).toEqual([]);
      expect((await admin.client.get(`/api/calls/${mine.id}`)).status).toBe(200);
      // The list view puts each call's own participants on it (one agent, its customers), as the single view does.
      const all = (await admin.client.get('/api/calls')).body.calls;
      expect(all.length).toBeGreaterThan(3);
      for (const c of all) {
        const kinds = c.participants.map((p: any) => p.kind);
        expect(kinds.filter((k: string) => k === 'agent')).toHaveLength(1);
        expect(kinds.filter((k: string) => k === 'customer').length).toBeGreaterThanOrEqual(1);
        expect(c.participants).toEqual((await admin.client.get(`/api/calls/${c.id}`)).body.participants);
      }
      expect(all.find((c: any) => c.id === mine.id)).toEqual((await admin.client.get(`/api/calls/${mine.id}`)).body);
      const customer = mine.participants.find((p: any) => p.kind === 'customer');
      const agentP = mine.participants.find((p: any) => p.kind === 'agent');
      const { joinToken } = await import('../../src/scheduling/join-links.ts');
      const good = joinToken(t.parley.deps, customer.id, mine.id);
      const [, sig] = good.split('.');
      expect((await resolveJoinToken(t.parley.deps.db, t.parley.deps, `${agentP.id}.${sig}`)).status).toBe('invalid');
      expect((await resolveJoinToken(t.parley.deps.db, t.parley.deps, `${good}x`)).status).toBe('invalid');
      expect((await resolveJoinToken(t.parley.deps.db, t.parley.deps, 'garbage')).status).toBe('invalid');
      t.clock.advance(2 * 86_400_000 + 31 * 60_000 + 121 * 60_000);
      expect((await resolveJoinToken(t.parley.deps.db, t.parley.deps, good)).status).toBe('expired');
    });
  });
}
