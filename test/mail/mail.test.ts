import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { queueMail } from '../../src/mail/queue-mail.ts';
import type { OrgId } from '../../src/shared/ids.ts';
import { dialects } from '../support/dialects.ts';
import { createOrgWithAdmin, startTestParley, type SignedIn, type TestParley } from '../support/harness.ts';
import { startTestSmtp, type TestSmtp } from '../support/smtp.ts';

const ics = 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Parley//EN\r\nEND:VCALENDAR\r\n';

async function queue(t: TestParley, orgId: OrgId, subject = 'Your video consultation') {
  return t.parley.deps.db.transaction().execute((tx) =>
    queueMail(tx, t.parley.deps, {
      orgId,
      kind: 'call.invitation',
      to: 'kunde@example.test',
      purpose: 'call_delivery',
      content: {
        toName: 'Karl Kunde',
        subject,
        text: 'Join here: https://parley.example/j/secret-link-token',
        attachments: [{ filename: 'invite.ics', contentType: 'text/calendar', content: ics }],
      },
    }),
  );
}

for (const d of dialects) {
  describe.skipIf(!d.available)(`mail through SMTP (${d.name})`, () => {
    let smtp: TestSmtp;
    let t: TestParley;
    let admin: SignedIn;

    beforeAll(async () => {
      smtp = await startTestSmtp();
      t = await startTestParley(d.name, { PARLEY_SMTP_URL: smtp.url, PARLEY_MAIL_FROM: 'Musterbank <termine@bank.example>' });
      admin = await createOrgWithAdmin(t);
    });
    afterAll(async () => {
      await t?.close();
      await smtp?.close();
    });
    afterEach(() => smtp.refuse(null));

    it('sends queued mail after the transaction commits, with its .ics attachment, and seals it at rest', async () => {
      const before = smtp.messages.length;
      const mailId = await queue(t, admin.orgId);
      expect(smtp.messages.length).toBe(before); // nothing leaves before the job runs
      expect(await t.parley.jobs.runDue()).toBeGreaterThanOrEqual(1);
      const [mail] = (await smtp.waitFor(before + 1)).slice(before);
      expect(mail!.subject).toBe('Your video consultation');
      expect(mail!.from?.value[0]).toMatchObject({ name: 'Musterbank', address: 'termine@bank.example' });
      const to = mail!.to && !Array.isArray(mail!.to) ? mail!.to.value[0] : undefined;
      expect(to).toMatchObject({ name: 'Karl Kunde', address: 'kunde@example.test' });
      expect(mail!.attachments[0]?.filename).toBe('invite.ics');
      expect(mail!.attachments[0]?.content.toString()).toContain('BEGIN:VCALENDAR');
      expect(mail!.messageId).toBe(`<${mailId}@localhost>`);

      const row = await t.parley.deps.db.selectFrom('mail_outbox').selectAll().where('id', '=', mailId).executeTakeFirstOrThrow();
      expect(row.status).toBe('sent');
      expect(row.content_sealed).not.toContain('secret-link-token');
      expect(row.content_sealed).not.toContain('Karl');
    });

    it('queues nothing when the change that caused the mail rolls back', async () => {
      const count = async () => (await t.parley.deps.db.selectFrom('mail_outbox').select('id').execute()).length;
      const before = await count();
      await expect(
        t.parley.deps.db.transaction().execute(async (tx) => {
          await queueMail(tx, t.parley.deps, { orgId: admin.orgId, kind: 'call.invitation', to: 'x@example.test', purpose: 'call_delivery', content: { subject: 'S', text: 'T' } });
          throw new Error('the change failed');
        }),
      ).rejects.toThrow('the change failed');
      expect(await count()).toBe(before);
      expect(await t.parley.jobs.runDue()).toBe(0);
    });

    it('retries with backoff while the relay refuses for now, then delivers', async () => {
      smtp.refuse('temporary');
      const before = smtp.messages.length;
      const mailId = await queue(t, admin.orgId, 'Retry me');
      await t.parley.jobs.runDue();
      const row = await t.parley.deps.db.selectFrom('mail_outbox').selectAll().where('id', '=', mailId).executeTakeFirstOrThrow();
      expect(row.status).toBe('queued');
      expect(row.last_error).toMatch(/451|Try again/);
      expect(await t.parley.jobs.runDue()).toBe(0); // not due again before the backoff
      smtp.refuse(null);
      t.clock.advance(31_000);
      await t.parley.jobs.runDue();
      await smtp.waitFor(before + 1);
      expect(smtp.messages.at(-1)!.subject).toBe('Retry me');
    });

    it('marks mail the relay refuses for good as failed, and an admin can send it again', async () => {
      smtp.refuse('permanent');
      const mailId = await queue(t, admin.orgId, 'Refused');
      await t.parley.jobs.runDue();
      const list = await admin.client.get('/api/outbox?status=failed');
      expect(list.body.messages.map((m: any) => m.id)).toContain(mailId);
      smtp.refuse(null);
      const retry = await admin.client.post(`/api/outbox/${mailId}/retry`);
      expect(retry.body.status).toBe('queued');
      await t.parley.jobs.runDue();
      expect(smtp.messages.at(-1)!.subject).toBe('Refused');
      expect((await admin.client.post(`/api/outbox/${mailId}/retry`)).status).toBe(409);
    });

    it('refuses line breaks in anything that becomes a header (no header injection)', async () => {
      await expect(queue(t, admin.orgId, 'Hello\r\nBcc: victim@example.test')).rejects.toThrow(/line breaks/);
    });
  });
}

describe('built-in outbox (no SMTP relay)', () => {
  it('keeps mail in the outbox, shows it to admin and dpo, and audits reading its content', async () => {
    const t = await startTestParley('sqlite');
    try {
      const admin = await createOrgWithAdmin(t);
      const mailId = await queue(t, admin.orgId);
      await t.parley.jobs.runDue();
      const list = await admin.client.get('/api/outbox');
      expect(list.body.transport).toBe('outbox');
      expect(list.body.messages[0]).toMatchObject({ id: mailId, status: 'kept', subject: 'Your video consultation', to: 'kunde@example.test' });
      const one = await admin.client.get(`/api/outbox/${mailId}`);
      expect(one.body.text).toContain('secret-link-token');
      expect(one.body.attachments[0].filename).toBe('invite.ics');
      const events = await admin.client.get('/api/audit-events?type=mail.viewed');
      expect(events.body.events[0].data).toEqual({ mailId });
    } finally {
      await t.close();
    }
  });
});

for (const d of dialects) {
  describe.skipIf(!d.available)(`a relay that repeats the recipient in its refusal (${d.name})`, () => {
    it('stores its answer without the address or name, on the message and on the job, and logs neither', async () => {
      // A real SMTP peer refusing the recipient the way Postfix does: "550 5.1.1 <address>: Recipient address rejected".
      const server = new SMTPServer({
        secure: false,
        authOptional: true,
        disabledCommands: ['AUTH', 'STARTTLS'],
        logger: false,
        onRcptTo(address, _session, callback) {
          const err = new Error(`5.1.1 <${address.address}>: Recipient address rejected: Karl Kunde unknown in local recipient table`) as Error & { responseCode: number };
          err.responseCode = 550;
          callback(err);
        },
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.server.address() as AddressInfo;
      const t = await startTestParley(d.name, { PARLEY_SMTP_URL: `smtp://127.0.0.1:${port}?tls=off` });
      try {
        const admin = await createOrgWithAdmin(t);
        const mailId = await queue(t, admin.orgId, 'Refused for good');
        await t.parley.jobs.runDue();
        const { db } = t.parley.deps;
        const row = await db.selectFrom('mail_outbox').selectAll().where('id', '=', mailId).executeTakeFirstOrThrow();
        expect(row.status).toBe('failed');
        // Still says what went wrong…
        expect(row.last_error).toMatch(/550/);
        expect(row.last_error).toMatch(/Recipient address rejected/);
        // …but not to whom.
        const job = await db.selectFrom('jobs').selectAll().where('kind', '=', 'mail.send').where('payload', '=', JSON.stringify({ mailId })).executeTakeFirstOrThrow();
        expect(job.state).toBe('failed');
        for (const stored of [row.last_error, job.last_error, t.logs.join('\n')]) {
          expect(stored).not.toContain('kunde@example.test');
          expect(stored).not.toContain('Karl Kunde');
        }
        expect(job.last_error).toContain('<recipient>');
        // In the console: the admin reads the relay's answer in the list, without the address in it.
        const list = await admin.client.get('/api/outbox?status=failed');
        expect(list.body.messages.find((m: { id: string }) => m.id === mailId).lastError).not.toContain('kunde@');
      } finally {
        await t.close();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    });
  });
}
