import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BREACH_SEAL_LABEL } from '../../src/breaches/breach-record.ts';
import { MAIL_SEAL_LABEL } from '../../src/mail/queue-mail.ts';
import { CHAT_SEAL_LABEL } from '../../src/calls/call-records.ts';
import { joinToken } from '../../src/scheduling/join-links.ts';
import { RIGHTS_SEAL_LABEL } from '../../src/subject-rights/codes.ts';
import { groupKept } from '../../src/subject-rights/erasure.ts';
import { findSubjectData, inventoryCategories } from '../../src/subject-rights/inventory.ts';
import { subscribableEventTypes } from '../../src/webhooks/webhook-events.ts';
import { fastCalls, waitFor } from '../media/support/call-setup.ts';
import { TestParticipant } from '../media/support/signal-client.ts';
import { dialects, introspecting } from '../support/dialects.ts';
import { addUser, createOrgWithAdmin, publishNotice, startTestParley, type SignedIn, type TestParley } from '../support/harness.ts';
import { germanTextProblems } from '../support/language-check.ts';

/**
 * Issue 12, finding 2: after a customer's erasure, nothing in the database names her — apart from the exceptions the
 * erasure lists. Zoë Müller, a German-speaking customer, goes through the real flows: a call is scheduled for her
 * (invitation, and the agent's confirmation naming her), she is invited as a guest to a second call, the first is
 * moved and the second cancelled; she opens her link, answers the consent questions, joins the live call and chats
 * with the agent, who greets her by name; she asks for a copy of her data (code, export, "export ready" mail) and
 * then for erasure. The DPO looks at the erasure preview — which changes nothing, and whose numbers the erasure then
 * matches — and confirms it. Afterwards every text column of every table is searched for her name and address, with
 * every sealed column opened.
 *
 * Listed exceptions (docs/data-inventory.md): her rights requests (the record of what she asked and how it was
 * answered, Art. 5(2), 12 — kept until their expiry; the DPO's reasons in them are part of that record), and the
 * mail that answers the erasure request (sent to her address after the erasure; deleted with the outbox's retention).
 */

const ZOE = { displayName: 'Zoë Müller', email: 'zoe.mueller@example.test' };
const OTTO = { displayName: 'Otto Other', email: 'otto.other@example.test' };
/** How she can be found: full name, each part of it (in any case), her address and its local part. */
const NEEDLES = ['Zoë Müller', 'Zoë', 'Müller', 'zoe.mueller', ZOE.email];
const EXTENSION_REASONS = 'Frau Müller, wir müssen dafür Unterlagen aus dem Archiv holen.';

/**
 * Sealed columns and how to open them (label, context). A column that holds a sealed value and is in neither list
 * fails the test: whoever adds one must say here whether it can hold a customer's data.
 */
const SEALED: Record<string, (row: Record<string, unknown>) => [label: string, context: string]> = {
  'mail_outbox.content_sealed': (r) => [MAIL_SEAL_LABEL, String(r.id)],
  'call_chat_messages.body_sealed': (r) => [CHAT_SEAL_LABEL, String(r.id)],
  'rights_requests.email_sealed': (r) => [RIGHTS_SEAL_LABEL, `${String(r.id)}:email`],
  'rights_requests.details_sealed': (r) => [RIGHTS_SEAL_LABEL, `${String(r.id)}:details`],
  'breaches.details_sealed': (r) => [BREACH_SEAL_LABEL, String(r.id)],
  'breach_updates.text_sealed': (r) => [BREACH_SEAL_LABEL, String(r.id)],
};
/** Sealed secrets and wrapped data keys: about keys, never about a customer (what they open is in blobs, checked apart). */
const SEALED_SECRETS = new Set([
  'users.totp_secret_sealed',
  'webhook_endpoints.secret_sealed',
  'recording_keys.sealed_private',
  'org_keys.sealed_key',
  'subject_exports.wrapped_key',
  'recording_tracks.wrapped_key',
]);
const LOOKS_SEALED = /^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+$/;
/** Bookkeeping of sign-ins that every API request touches (a session's last-seen time), and Kysely's own tables. */
const VOLATILE = new Set(['user_sessions', 'login_throttle']);

interface Hit {
  readonly table: string;
  readonly column: string;
  readonly rowId: string;
  readonly needle: string;
}

type Row = Record<string, unknown>;

async function allTables(t: TestParley): Promise<{ name: string; columns: string[] }[]> {
  const { db, dialect } = t.parley.deps;
  // On PostgreSQL, only this test's schema (other test runs share the database with schemas of their own).
  const schema = dialect === 'postgres' ? (await sql<{ s: string }>`select current_schema() as s`.execute(db)).rows[0]!.s : undefined;
  const tables = await introspecting(dialect, () => db.introspection.getTables({ withInternalKyselyTables: false }));
  return tables.filter((x) => !x.isView && (schema === undefined || x.schema === schema)).map((x) => ({ name: x.name, columns: x.columns.map((c) => c.name) }));
}

async function rowsOf(t: TestParley, table: string): Promise<Row[]> {
  return (await sql<Row>`select * from ${sql.table(table)}`.execute(t.parley.deps.db)).rows;
}

const rowKey = (row: Row) => String(row.id ?? row.code_hash ?? row.org_id ?? row.key_hash ?? row.txn ?? JSON.stringify(row));

/** Every place a needle occurs: plain text in any column, and inside every sealed value (opened). */
async function searchEverything(t: TestParley, needles: readonly string[]): Promise<Hit[]> {
  const { keys } = t.parley.deps;
  const hits: Hit[] = [];
  const lowered = needles.map((n) => n.normalize('NFC').toLowerCase());
  const check = (table: string, column: string, row: Row, text: string) => {
    const hay = text.normalize('NFC').toLowerCase();
    lowered.forEach((n, i) => {
      if (hay.includes(n)) hits.push({ table, column, rowId: rowKey(row), needle: needles[i]! });
    });
  };
  for (const { name, columns } of await allTables(t)) {
    for (const row of await rowsOf(t, name)) {
      for (const column of columns) {
        const value = row[column];
        if (typeof value !== 'string') continue;
        check(name, column, row, value);
        if (!LOOKS_SEALED.test(value)) continue;
        const key = `${name}.${column}`;
        if (SEALED_SECRETS.has(key)) continue;
        const opener = SEALED[key];
        if (!opener) throw new Error(`${key} holds a sealed value this test cannot open: add it to SEALED (or to SEALED_SECRETS if it can never hold customer data)`);
        const [label, context] = opener(row);
        check(name, `${column} (opened)`, row, keys.open(label, context, value));
      }
    }
  }
  return hits;
}

/** Every row of every table but sign-in bookkeeping, in a stable order: to show that something changed nothing. */
async function snapshot(t: TestParley): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const { name } of await allTables(t)) {
    if (VOLATILE.has(name)) continue;
    out[name] = (await rowsOf(t, name)).map((r) => JSON.stringify(r)).sort();
  }
  return out;
}

for (const d of dialects) {
  describe.skipIf(!d.available)(`erasure reaches every place that names the customer (${d.name})`, () => {
    let t: TestParley;
    let admin: SignedIn;
    let agent: SignedIn;
    let dpo: SignedIn;
    let callA = '';
    let callB = '';
    let zoeSubjectId = '';
    const requests = { access: '', erasure: '' };
    let preview: { subjectFound: boolean; erased: { category: string; count: number }[]; kept: ReturnType<typeof groupKept>; fingerprint: string };
    let beforeErasure: Hit[] = [];
    let exportBlobKey = '';
    const open: TestParticipant[] = [];

    /** Opens the newest message to an address (as the person would read it) and returns its text. */
    async function lastMailTo(email: string, kind?: string) {
      const { deps } = t.parley;
      let q = deps.db.selectFrom('mail_outbox').selectAll().where('to_address', '=', email);
      if (kind) q = q.where('kind', '=', kind);
      const row = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').executeTakeFirstOrThrow();
      return JSON.parse(deps.keys.open(MAIL_SEAL_LABEL, row.id, row.content_sealed)) as { subject: string; text: string };
    }

    /** A request made on the public page in German and confirmed with the mailed code. */
    async function requestAndConfirm(type: 'access' | 'erasure'): Promise<string> {
      const visitor = t.client();
      const made = await visitor.post(`/api/public/organisations/${admin.orgId}/rights-requests`, { type, email: ZOE.email, locale: 'de' });
      expect(made.status, made.raw).toBe(202);
      const mail = await lastMailTo(ZOE.email, 'rights_request.code');
      const code = /\b(\d{6})\b/.exec(mail.text)![1];
      const verified = await visitor.post(`/api/public/rights-requests/${made.body.requestId}/verify`, { code });
      expect(verified.status, verified.raw).toBe(200);
      return made.body.requestId as string;
    }

    beforeAll(async () => {
      t = await startTestParley(d.name, {}, { calls: fastCalls });
      admin = await createOrgWithAdmin(t, 'Musterbank AG');
      agent = await addUser(t, admin, 'agent');
      dpo = await addUser(t, admin, 'dpo');
      await publishNotice(admin);
      // A receiver for every webhook event, so the webhook outbox holds what an erasure passes on.
      const hook = await admin.client.post('/api/webhooks', {
        url: 'http://127.0.0.1:9/parley',
        events: subscribableEventTypes,
        description: 'CRM',
      });
      expect(hook.status, hook.raw).toBe(201);
      const ct = await admin.client.post('/api/call-types', {
        name: 'Anlageberatung',
        purposes: [
          { purpose: 'call_delivery', basis: 'contract' },
          { purpose: 'chat', basis: 'contract' },
          { purpose: 'recording', basis: 'consent' },
          { purpose: 'training_qa', basis: 'consent' },
        ],
        recordingMode: 'consent',
        chatKept: true,
        lobbyEnabled: false,
        retention: { callMetadataDays: 90, chatDays: 30, recordingsDays: 30, consentDays: 1095 },
      });
      expect(ct.status, ct.raw).toBe(201);
      const soon = (minutes: number) => new Date(t.clock.now().getTime() + minutes * 60_000).toISOString();

      // Call A for Zoë (invitation to her, confirmation naming her to the agent); call B for Otto, Zoë as a guest.
      const a = await agent.client.post('/api/calls', { callTypeId: ct.body.id, startsAt: soon(30), durationMinutes: 30, customer: ZOE, locale: 'de' });
      expect(a.status, a.raw).toBe(201);
      callA = a.body.id;
      const zoeSeat = a.body.participants.find((p: { kind: string }) => p.kind === 'customer');
      zoeSubjectId = zoeSeat.subjectId;
      const b = await agent.client.post('/api/calls', { callTypeId: ct.body.id, startsAt: soon(24 * 60), durationMinutes: 30, customer: OTTO, locale: 'de' });
      expect(b.status, b.raw).toBe(201);
      callB = b.body.id;
      const guest = await agent.client.post(`/api/calls/${callB}/guests`, ZOE);
      expect(guest.status, guest.raw).toBe(201);
      // Moved (to a time with seconds), and the other call cancelled: every kind of call mail reaches her.
      const moved = await agent.client.patch(`/api/calls/${callA}`, { startsAt: new Date(t.clock.now().getTime() + 5 * 60_000 + 30_000).toISOString() });
      expect(moved.status, moved.raw).toBe(200);
      expect((await agent.client.post(`/api/calls/${callB}/cancel`)).status).toBe(200);

      // Her link: the notice in German, then her consent decisions.
      const token = joinToken(t.parley.deps, zoeSeat.id, callA);
      const info = await t.client().get(`/api/join/${token}?locale=de`);
      expect(info.status, info.raw).toBe(200);
      expect(info.body.participant.displayName).toBe(ZOE.displayName);
      const decided = await t.client().post(`/api/join/${token}/consents`, {
        locale: 'de',
        noticeHash: info.body.notice.notice.contentHash,
        decisions: info.body.consents.map((q: { purpose: string; textHash: string }) => ({ purpose: q.purpose, given: q.purpose === 'recording', textHash: q.textHash })),
      });
      expect(decided.status, decided.raw).toBe(200);

      // The live call: she chats, the agent greets her by name.
      await t.parley.app.listen({ port: 0, host: '127.0.0.1' });
      const url = `ws://127.0.0.1:${(t.parley.app.server.address() as { port: number }).port}/api/calls/signal`;
      const agentSocket = await TestParticipant.join(url, { type: 'join', callId: callA, auth: { kind: 'session' } }, { cookie: `parley_session=${agent.client.cookies.get('parley_session')}` });
      open.push(agentSocket);
      await agentSocket.signal.next('welcome');
      const zoeSocket = await TestParticipant.join(url, { type: 'join', callId: callA, auth: { kind: 'link', token } });
      open.push(zoeSocket);
      await zoeSocket.signal.next('welcome');
      zoeSocket.signal.send({ type: 'chat', text: 'Hallo, hier ist Zoë. Meine Adresse ist zoe.mueller@example.test' });
      await agentSocket.signal.next('chat', (m) => m.text.startsWith('Hallo, hier ist'));
      agentSocket.signal.send({ type: 'chat', text: 'Guten Tag Frau Müller, schön, dass Sie da sind, zoë!' });
      agentSocket.signal.send({ type: 'chat', text: 'Ich schicke Ihnen gleich die Unterlagen.' });
      await zoeSocket.signal.next('chat', (m) => m.text.startsWith('Ich schicke'));
      zoeSocket.signal.send({ type: 'leave' });
      agentSocket.signal.send({ type: 'leave' });
      await waitFor('both sockets closed', () => zoeSocket.signal.closeCode !== null && agentSocket.signal.closeCode !== null);
      await Promise.all(open.splice(0).map((p) => p.close()));
      await t.parley.calls.settled();
      expect(await t.parley.deps.db.selectFrom('call_chat_messages').select('id').where('call_id', '=', callA).execute()).toHaveLength(3);

      // Access first: code, export, "export ready" mail; then erasure, extended by the DPO with reasons naming her.
      requests.access = await requestAndConfirm('access');
      const exported = await dpo.client.post(`/api/rights-requests/${requests.access}/export`, {});
      expect(exported.status, exported.raw).toBe(200);
      exportBlobKey = (await t.parley.deps.db.selectFrom('subject_exports').select('blob_key').where('request_id', '=', requests.access).executeTakeFirstOrThrow()).blob_key;
      requests.erasure = await requestAndConfirm('erasure');
      const extended = await dpo.client.post(`/api/rights-requests/${requests.erasure}/extend`, { months: 1, reasons: EXTENSION_REASONS });
      expect(extended.status, extended.raw).toBe(200);
      // The DPO reads her invitation in the outbox (audited by id).
      const invitation = await t.parley.deps.db.selectFrom('mail_outbox').select('id').where('to_address', '=', ZOE.email).where('kind', '=', 'call.invitation').executeTakeFirstOrThrow();
      expect((await dpo.client.get(`/api/outbox/${invitation.id}`)).status).toBe(200);
      await t.parley.jobs.runDue();

      beforeErasure = await searchEverything(t, NEEDLES);
    });

    afterAll(async () => {
      await Promise.all(open.splice(0).map((p) => p.close()));
      await t?.parley.calls.settled();
      await t?.close();
    });

    it('found her, before the erasure, where the flows put her: mails to her and to the agent, seats, chat on both sides, the export', () => {
      const where = new Set(beforeErasure.map((h) => `${h.table}.${h.column}`));
      for (const place of [
        'subjects.email',
        'subjects.display_name',
        'participants.display_name',
        'mail_outbox.to_address',
        'mail_outbox.content_sealed (opened)',
        'call_chat_messages.body_sealed (opened)',
        'rights_requests.email_sealed (opened)',
        'rights_requests.extension_reasons',
      ]) {
        expect(where, place).toContain(place);
      }
      const agentMail = beforeErasure.find((h) => h.table === 'mail_outbox' && h.column === 'content_sealed (opened)' && h.needle === 'Zoë Müller');
      expect(agentMail, 'the agent\'s confirmation names her').toBeDefined();
    });

    it('sends her every mail in German, with no English sentence or internal code, each linking the rights page', async () => {
      const { deps } = t.parley;
      const rows = await deps.db.selectFrom('mail_outbox').selectAll().where('to_address', '=', ZOE.email).orderBy('created_at').execute();
      const kinds = new Set(rows.map((r) => r.kind));
      for (const kind of ['call.invitation', 'call.rescheduled', 'call.cancelled', 'rights_request.code', 'rights_request.export_ready', 'rights_request.extended']) {
        expect(kinds, kind).toContain(kind);
      }
      for (const row of rows) {
        const mail = JSON.parse(deps.keys.open(MAIL_SEAL_LABEL, row.id, row.content_sealed)) as { subject: string; text: string };
        const problems = germanTextProblems(`${mail.subject}\n${mail.text}`, ['Musterbank AG', 'Anlageberatung', 'Test agent', ZOE.displayName]);
        expect(problems, `${row.kind}: ${mail.subject}`).toEqual([]);
        expect(mail.text, row.kind).toContain(`${t.config.publicUrl}/rights/${admin.orgId}`);
        // No one-time code and no link in a subject.
        expect(mail.subject, row.kind).not.toMatch(/\d{6}|https?:\/\//);
      }
    });

    it('previews the erasure without changing anything', async () => {
      const before = await snapshot(t);
      const res = await dpo.client.get(`/api/rights-requests/${requests.erasure}/erasure-preview`);
      expect(res.status, res.raw).toBe(200);
      preview = res.body;
      expect(await snapshot(t)).toEqual(before);
      expect(preview.subjectFound).toBe(true);
      const count = (category: string) => preview.erased.find((e) => e.category === category)?.count ?? 0;
      expect(count('mails')).toBeGreaterThanOrEqual(8);
      expect(count('chatMessages')).toBe(1);
      expect(count('chatMentions')).toBe(1); // the agent's greeting; "Ich schicke Ihnen…" does not name her
      expect(count('participants')).toBe(1); // the seat in the cancelled call; the other is kept for the consent proof
      expect(preview.kept).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ category: 'consentRecords', reason: 'consent_proof', count: 1 }),
          expect.objectContaining({ category: 'rightsRequests', reason: 'legal_obligation', count: 2 }),
        ]),
      );
      // Asking for it again gives the same answer.
      expect((await dpo.client.get(`/api/rights-requests/${requests.erasure}/erasure-preview`)).body.fingerprint).toBe(preview.fingerprint);
    });

    it('refuses a confirmation whose preview no longer matches (a hold was placed meanwhile), erasing nothing', async () => {
      const hold = await dpo.client.post('/api/legal-holds', {
        scope: 'call',
        targetId: callB,
        reference: 'LG Frankfurt 2-03 O 77/26',
        reason: 'Dispute',
        endsOn: new Date(t.clock.now().getTime() + 30 * 86_400_000).toISOString().slice(0, 10),
      });
      expect(hold.status, hold.raw).toBe(201);
      const before = await snapshot(t);
      const stale = await dpo.client.post(`/api/rights-requests/${requests.erasure}/erase`, { preview: preview.fingerprint });
      expect(stale.status, stale.raw).toBe(409);
      expect(stale.body.error.code).toBe('ERASURE_PREVIEW_STALE');
      expect(stale.body.error.message).toMatch(/changed since the preview/);
      expect(await snapshot(t)).toEqual(before);
      // A confirmation that is no fingerprint at all is bad input, said in words; a preview of a request that is
      // no erasure request is refused.
      const garbled = await dpo.client.post(`/api/rights-requests/${requests.erasure}/erase`, { preview: 'yes please' });
      expect(garbled.status).toBe(400);
      expect(garbled.body.error.code).toBe('VALIDATION_FAILED');
      expect((await dpo.client.get(`/api/rights-requests/${requests.access}/erasure-preview`)).status).toBe(409);
      expect(await snapshot(t)).toEqual(before);
      // The new preview shows what the hold keeps; once released, the plan is the one first shown again.
      const held = (await dpo.client.get(`/api/rights-requests/${requests.erasure}/erasure-preview`)).body;
      expect(held.fingerprint).not.toBe(preview.fingerprint);
      expect(held.kept).toContainEqual(expect.objectContaining({ category: 'participants', reason: 'legal_hold', reference: 'LG Frankfurt 2-03 O 77/26' }));
      expect((await dpo.client.post(`/api/legal-holds/${hold.body.id}/release`)).status).toBe(200);
      expect((await dpo.client.get(`/api/rights-requests/${requests.erasure}/erasure-preview`)).body.fingerprint).toBe(preview.fingerprint);
    });

    it('erases on confirmation, doing exactly what the preview said', async () => {
      const erased = await dpo.client.post(`/api/rights-requests/${requests.erasure}/erase`, { preview: preview.fingerprint });
      expect(erased.status, erased.raw).toBe(200);
      const report = erased.body.outcome.report as { erased: { category: string; count: number }[]; kept: Parameters<typeof groupKept>[0] };
      expect(report.erased).toEqual(preview.erased);
      expect(groupKept(report.kept)).toEqual(preview.kept);
      await t.parley.jobs.runDue();
      // What the inventory still finds is exactly what the report says was kept (the answer mail is not hers to find).
      const after = await findSubjectData(t.parley.deps.db, admin.orgId, zoeSubjectId);
      for (const category of inventoryCategories) {
        expect(after[category], category).toEqual(report.kept.filter((k) => k.category === category).map((k) => k.itemId).sort());
      }
    });

    it('afterwards, nothing in the database names her but the listed exceptions; nor did any log line', async () => {
      const { deps } = t.parley;
      const hits = await searchEverything(t, NEEDLES);
      const requestIds = new Set(Object.values(requests));
      const answer = await deps.db.selectFrom('mail_outbox').select(['id', 'kind']).where('to_address', '=', ZOE.email).execute();
      // The one mail left to her address is the answer to the erasure request, queued after it.
      expect(answer.map((m) => m.kind)).toEqual(['rights_request.erased']);
      const allowed = (h: Hit) => (h.table === 'rights_requests' && requestIds.has(h.rowId)) || (h.table === 'mail_outbox' && h.rowId === answer[0]!.id);
      expect(hits.filter((h) => !allowed(h))).toEqual([]);
      // The exceptions are really there (the test would pass for the wrong reason otherwise).
      expect(hits.some((h) => h.table === 'rights_requests' && h.column === 'extension_reasons')).toBe(true);
      expect(hits.some((h) => h.table === 'mail_outbox')).toBe(true);

      // The agent's greeting is still there, without her name; her own message is gone.
      const chat = await deps.db.selectFrom('call_chat_messages').selectAll().where('call_id', '=', callA).execute();
      const texts = chat.map((m) => deps.keys.open(CHAT_SEAL_LABEL, m.id, m.body_sealed)).sort();
      expect(texts).toEqual(['Guten Tag Frau […], schön, dass Sie da sind, […]!', 'Ich schicke Ihnen gleich die Unterlagen.']);
      // The export's ciphertext is gone too, and no log line ever named her.
      expect(await deps.blobs.size(exportBlobKey)).toBeNull();
      const logs = t.logs.join('\n').toLowerCase();
      for (const n of NEEDLES) expect(logs, n).not.toContain(n.toLowerCase());
      // Otto, in the cancelled call with her, is untouched.
      expect(await deps.db.selectFrom('subjects').select('display_name').where('email', '=', OTTO.email).executeTakeFirstOrThrow()).toEqual({ display_name: OTTO.displayName });
      expect(zoeSubjectId).toMatch(/^subj_/);
    });
  });
}
