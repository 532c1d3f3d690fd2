import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mailKindList } from '../../src/mail/mail-kinds.ts';
import { mailKindLabel, mailKindLabels } from '../../web/console/features/outbox/mail-kinds.ts';
import { dialects } from '../support/dialects.ts';
import { addUser, createOrgWithAdmin, publishNotice, startTestParley, type SignedIn, type TestParley } from '../support/harness.ts';

/**
 * The outbox as the console reads it (issue 12, findings 6 and 18): every kind in words, no one-time code in
 * anything the list shows (it is in the message, whose opening is audited), and a call's calendar entry to the second.
 */

describe('the outbox page', () => {
  it('has words for every kind of message the server sends, and never shows a kind by its code', () => {
    expect(Object.keys(mailKindLabels).sort()).toEqual([...mailKindList].sort());
    for (const [kind, label] of Object.entries(mailKindLabels)) {
      expect(label, kind).not.toContain(kind);
      expect(label, kind).not.toMatch(/[._]/);
    }
    expect(mailKindLabel('rights_request.code')).toBe('Verification code for a rights request');
    expect(mailKindLabel('something.new')).toBe('Other message');
  });
});

for (const d of dialects) {
  describe.skipIf(!d.available)(`the outbox list (${d.name})`, () => {
    let t: TestParley;
    let admin: SignedIn;
    let agent: SignedIn;

    beforeAll(async () => {
      t = await startTestParley(d.name);
      admin = await createOrgWithAdmin(t, 'Musterbank AG');
      agent = await addUser(t, admin, 'agent');
      await publishNotice(admin);
    });
    afterAll(async () => t?.close());

    it('shows no one-time code: not in the subject, nor anywhere in the list; only the audited opening shows it', async () => {
      const visitor = t.client();
      for (const locale of ['de', 'en'] as const) {
        const made = await visitor.post(`/api/public/organisations/${admin.orgId}/rights-requests`, { type: 'access', email: `code.${locale}@example.test`, locale });
        expect(made.status, made.raw).toBe(202);
      }
      await t.parley.jobs.runDue();
      const list = await admin.client.get('/api/outbox');
      expect(list.status, list.raw).toBe(200);
      const codeMails = list.body.messages.filter((m: { kind: string }) => m.kind === 'rights_request.code');
      expect(codeMails).toHaveLength(2);
      expect(codeMails.map((m: { subject: string }) => m.subject).sort()).toEqual([
        'Ihr Bestätigungscode für Ihre Datenschutzanfrage — Musterbank AG',
        'Your confirmation code for your data protection request — Musterbank AG',
      ]);
      for (const m of codeMails) {
        const opened = await admin.client.get(`/api/outbox/${m.id}`);
        const code = /\b(\d{6})\b/.exec(opened.body.text)![1]!;
        expect(list.raw).not.toContain(code);
      }
      expect(list.raw).not.toMatch(/\b\d{6}\b/);
      const viewed = await t.parley.deps.db.selectFrom('audit_events').select('data').where('type', '=', 'mail.viewed').execute();
      expect(viewed.map((v) => JSON.parse(v.data).mailId).sort()).toEqual(codeMails.map((m: { id: string }) => m.id).sort());
    });

    it('keeps the seconds of a call\'s start in its calendar entry (scheduled and moved)', async () => {
      const ct = await admin.client.post('/api/call-types', { name: 'Beratung', purposes: [{ purpose: 'call_delivery', basis: 'contract' }] });
      expect(ct.status, ct.raw).toBe(201);
      const start = new Date(Math.ceil(t.clock.now().getTime() / 60_000) * 60_000 + 3_600_000 + 30_000);
      const call = await agent.client.post('/api/calls', {
        callTypeId: ct.body.id,
        startsAt: start.toISOString(),
        durationMinutes: 30,
        customer: { displayName: 'Karla Kundin', email: 'karla@example.test' },
      });
      expect(call.status, call.raw).toBe(201);
      const stamp = (d: Date) => d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
      const icsOf = async (kind: string) => {
        const list = await admin.client.get('/api/outbox');
        const mail = list.body.messages.find((m: { kind: string; to: string }) => m.kind === kind && m.to === 'karla@example.test');
        return (await admin.client.get(`/api/outbox/${mail.id}`)).body.attachments[0].content as string;
      };
      expect(stamp(start)).toMatch(/30Z$/);
      expect(await icsOf('call.invitation')).toContain(`DTSTART:${stamp(start)}`);
      const later = new Date(start.getTime() + 86_400_000 + 15_000);
      expect((await agent.client.patch(`/api/calls/${call.body.id}`, { startsAt: later.toISOString() })).status).toBe(200);
      expect(await icsOf('call.rescheduled')).toContain(`DTSTART:${stamp(later)}`);
    });
  });
}
