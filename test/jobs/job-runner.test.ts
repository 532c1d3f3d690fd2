import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enqueueJob } from '../../src/jobs/enqueue-job.ts';
import { createJobRunner, JobError, type JobHandlers } from '../../src/jobs/job-runner.ts';
import { queueMail } from '../../src/mail/queue-mail.ts';
import { dialects } from '../support/dialects.ts';
import { createOrgWithAdmin, startTestParley, type SignedIn, type TestParley } from '../support/harness.ts';
import { startTestSmtp, type TestSmtp } from '../support/smtp.ts';

for (const d of dialects) {
  describe.skipIf(!d.available)(`job runner (${d.name})`, () => {
    let smtp: TestSmtp;
    let t: TestParley;
    let admin: SignedIn;

    beforeAll(async () => {
      smtp = await startTestSmtp();
      t = await startTestParley(d.name, { PARLEY_SMTP_URL: smtp.url });
      admin = await createOrgWithAdmin(t);
    });
    afterAll(async () => {
      await t?.close();
      await smtp?.close();
    });

    const unused = async () => {
      throw new Error('not used in these tests');
    };
    const runner = (handlers: Pick<JobHandlers, 'mail.send'>) =>
      createJobRunner({
        db: t.parley.deps.db,
        dialect: t.parley.deps.dialect,
        clock: t.clock,
        logger: t.parley.deps.logger,
        pollMs: 10,
        handlers: { 'recording.erase_withdrawn': unused, 'retention.purge': unused, 'webhook.deliver': unused, 'webhook.prune': unused, ...handlers },
      });

    it('delivers mail queued before a restart: nothing is lost while Parley is down', async () => {
      await t.parley.deps.db.transaction().execute((tx) =>
        queueMail(tx, t.parley.deps, { orgId: admin.orgId, kind: 'call.invitation', to: 'late@example.test', purpose: 'call_delivery', content: { subject: 'Sent after restart', text: 'Hello' } }),
      );
      t = await t.restart();
      const before = smtp.messages.length;
      t.parley.jobs.start(); // as `parley start` does
      await smtp.waitFor(before + 1);
      expect(smtp.messages.at(-1)!.subject).toBe('Sent after restart');
      await t.parley.jobs.stop();
    });

    it('picks up a job whose runner died mid-way once its lease has run out', async () => {
      let calls = 0;
      const crashing = runner({
        'mail.send': async () => {
          calls += 1;
          throw new Error('the process died here'); // stands in for a crash: the job stays claimed
        },
      });
      const jobId = await t.parley.deps.db.transaction().execute((tx) => enqueueJob(tx, t.clock, admin.orgId, 'mail.send', { mailId: 'mail_none' }));
      // Claim it and leave it 'running', as a killed process would.
      await t.parley.deps.db.updateTable('jobs').set({ state: 'running', attempts: 1, locked_until: new Date(t.clock.now().getTime() + 300_000).toISOString() }).where('id', '=', jobId).execute();
      expect(await crashing.runDue()).toBe(0);
      t.clock.advance(301_000);
      let seen = 0;
      const healthy = runner({
        'mail.send': async (payload) => {
          if (payload.mailId === 'mail_none') seen += 1;
        },
      });
      expect(await healthy.runDue()).toBeGreaterThanOrEqual(1);
      expect(seen).toBe(1);
      expect(calls).toBe(0);
      const job = await t.parley.deps.db.selectFrom('jobs').selectAll().where('id', '=', jobId).executeTakeFirstOrThrow();
      expect(job.state).toBe('done');
    });

    it('gives up after the last attempt and keeps the error with the job', async () => {
      const jobId = await t.parley.deps.db.transaction().execute((tx) => enqueueJob(tx, t.clock, admin.orgId, 'mail.send', { mailId: 'mail_x' }, { maxAttempts: 2 }));
      const failing = runner({ 'mail.send': async () => { throw new JobError('BROKEN', 'always fails'); } });
      await failing.runDue();
      t.clock.advance(31_000);
      await failing.runDue();
      const job = await t.parley.deps.db.selectFrom('jobs').selectAll().where('id', '=', jobId).executeTakeFirstOrThrow();
      expect(job).toMatchObject({ state: 'failed', attempts: 2 });
      expect(job.last_error).toBe('BROKEN: always fails');
      const text = t.logs.join('\n');
      expect(text).toContain('"code":"BROKEN"');
      expect(text).not.toContain('always fails'); // messages may hold addresses: never logged
    });

    it('runs each job exactly once when several runners share the queue', async () => {
      const seen = new Map<string, number>();
      const handlers: Pick<JobHandlers, 'mail.send'> = {
        'mail.send': async ({ mailId }) => {
          seen.set(mailId, (seen.get(mailId) ?? 0) + 1);
          await new Promise((r) => setTimeout(r, 2));
        },
      };
      await t.parley.deps.db.transaction().execute(async (tx) => {
        for (let i = 0; i < 60; i++) await enqueueJob(tx, t.clock, admin.orgId, 'mail.send', { mailId: `mail_c${i}` });
      });
      const counts = await Promise.all([runner(handlers).runDue(), runner(handlers).runDue(), runner(handlers).runDue()]);
      expect(counts.reduce((a, b) => a + b, 0)).toBe(60);
      expect(seen.size).toBe(60);
      expect([...seen.values()].every((n) => n === 1)).toBe(true);
    });
  });
}
