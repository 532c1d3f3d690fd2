import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import parsePrometheusTextFormat, { type ParsedFamily } from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enqueueJob } from '../../src/jobs/enqueue-job.ts';
import { ensurePurgeScheduled } from '../../src/retention/purge-job.ts';
import { iso } from '../../src/shared/clock.ts';
import { dialects } from '../support/dialects.ts';
import { fastCalls, scheduleCall, startCallWorld, waitFor, type CallWorld } from '../media/support/call-setup.ts';
import { TestParticipant } from '../media/support/signal-client.ts';
import { insertRequest } from '../subject-rights/seed-subjects.ts';

/** Issue 14, item 7: `GET /metrics` on a node, scraped and parsed as Prometheus would, on both dialects. */
const token = randomBytes(24).toString('hex');
const DAY_MS = 86_400_000;

/** One scrape, parsed: the value of a metric (with labels, if given); throws if it is not there. */
class Scrape {
  constructor(readonly families: ParsedFamily[]) {}

  family(name: string): ParsedFamily {
    const f = this.families.find((x) => x.name === name);
    if (!f) throw new Error(`no metric ${name} in the scrape`);
    return f;
  }

  value(name: string, labels: Record<string, string> = {}): number {
    const sample = this.family(name).metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
    if (!sample?.value) throw new Error(`no sample of ${name} with ${JSON.stringify(labels)}`);
    return Number(sample.value);
  }
}

for (const d of dialects) {
  describe.skipIf(!d.available)(`GET /metrics (${d.name})`, () => {
    let world: CallWorld;
    let base: string;
    const open: TestParticipant[] = [];

    beforeAll(async () => {
      // One media worker: packet counters come over IPC from the worker, as in production.
      world = await startCallWorld({ ...fastCalls, mediaWorkers: 1 }, { PARLEY_METRICS_TOKEN: token }, d.name);
      base = world.url.replace(/^ws:/, 'http:').replace(/\/api\/calls\/signal$/, '');
    });
    afterAll(async () => {
      await Promise.all(open.map((p) => p.close()));
      await world?.t.parley.calls.settled();
      await world?.t.close();
    });

    const scrape = async (): Promise<Scrape> => {
      const res = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      return new Scrape(parsePrometheusTextFormat(await res.text()));
    };

    it('refuses a scraper without the token, or with a wrong one, with 401 and a message saying what to send', async () => {
      for (const headers of [{}, { authorization: `Bearer ${token.slice(1)}x` }, { authorization: token }] as Record<string, string>[]) {
        const res = await fetch(`${base}/metrics`, { headers });
        expect(res.status).toBe(401);
        expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /);
        const body = (await res.json()) as { error: { code: string; message: string } };
        expect(body.error.code).toBe('METRICS_TOKEN_INVALID');
        expect(body.error.message).toContain('Authorization: Bearer');
      }
    });

    it('counts this node’s live call, its participants, its media worker and the packets through it', async () => {
      const idle = await scrape();
      expect(idle.value('parley_calls')).toBe(0);
      expect(idle.value('parley_media_workers', { state: 'configured' })).toBe(1);
      expect(idle.value('parley_media_workers', { state: 'running' })).toBe(1);
      expect(idle.family('parley_media_packets_forwarded_total').type).toBe('COUNTER');
      // Node's own process figures are there too.
      expect(idle.value('process_resident_memory_bytes')).toBeGreaterThan(10_000_000);

      const call = await scheduleCall(world, world.callTypes.open);
      const agent = await TestParticipant.join(world.url, { type: 'join', callId: call.callId, auth: { kind: 'session' } }, { cookie: world.agentCookie });
      open.push(agent);
      await agent.signal.next('welcome');
      const customer = await TestParticipant.join(world.url, { type: 'join', callId: call.callId, auth: { kind: 'link', token: call.customerToken } });
      open.push(customer);
      await customer.signal.next('welcome');
      agent.publish('audio', 'video');
      customer.publish('audio', 'video');
      await waitFor('media both ways', () => customer.rtc.receivedFrom(call.agentParticipantId, 'video') > 20 && agent.rtc.receivedFrom(call.customerId, 'video') > 20);

      const busy = await scrape();
      expect(busy.value('parley_calls')).toBe(1);
      expect(busy.value('parley_participants')).toBe(2);
      expect(busy.value('parley_signalling_sockets')).toBe(2);
      const received = busy.value('parley_media_packets_received_total');
      const forwarded = busy.value('parley_media_packets_forwarded_total');
      // Each side received at least 20 video packets through the worker, so the worker forwarded at least 40.
      expect(forwarded).toBeGreaterThanOrEqual(40);
      expect(received).toBeGreaterThanOrEqual(40);
      expect(busy.value('parley_media_packets_lost_total')).toBeGreaterThanOrEqual(0);

      // The call ends: the live figures go back to zero, the counters keep what the call carried.
      agent.signal.send({ type: 'end' });
      await customer.signal.next('call-ended');
      await Promise.all(open.splice(0).map((p) => p.close()));
      await waitFor('the call to close on the node', () => world.t.parley.calls.counts().calls === 0);
      const after = await scrape();
      expect(after.value('parley_calls')).toBe(0);
      expect(after.value('parley_participants')).toBe(0);
      expect(after.value('parley_media_packets_forwarded_total')).toBeGreaterThanOrEqual(forwarded);
      expect(after.value('parley_media_packets_received_total')).toBeGreaterThanOrEqual(received);
    });

    it('reports the job queue’s depth and its oldest waiting job, and drops both once the jobs ran', async () => {
      const deps = world.t.parley.deps;
      await world.t.parley.jobs.runDue();
      const before = await scrape();
      expect(before.value('parley_jobs_waiting')).toBe(0);
      expect(before.value('parley_jobs_oldest_waiting_seconds')).toBe(0);

      // Two jobs due, one of them for two minutes already; one not due yet (it does not count).
      const now = deps.clock.now().getTime();
      await deps.db.transaction().execute(async (tx) => {
        await enqueueJob(tx, deps.clock, null, 'webhook.prune', {}, { runAt: new Date(now - 120_000) });
        await enqueueJob(tx, deps.clock, null, 'webhook.prune', {});
        await enqueueJob(tx, deps.clock, null, 'webhook.prune', {}, { runAt: new Date(now + 3_600_000) });
      });
      const queued = await scrape();
      expect(queued.value('parley_jobs_waiting')).toBe(2);
      expect(queued.value('parley_jobs_oldest_waiting_seconds')).toBeGreaterThanOrEqual(120);
      expect(queued.value('parley_jobs_oldest_waiting_seconds')).toBeLessThan(3_600);

      await world.t.parley.jobs.runDue();
      const drained = await scrape();
      expect(drained.value('parley_jobs_waiting')).toBe(0);
      expect(drained.value('parley_jobs_oldest_waiting_seconds')).toBe(0);
    });

    it('counts the purge runs this node made and says when the last one succeeded', async () => {
      const first = await scrape();
      expect(first.value('parley_purge_runs_total', { result: 'ok' })).toBe(0);
      expect(first.value('parley_purge_last_success_timestamp_seconds')).toBe(0);

      const deps = world.t.parley.deps;
      const started = deps.clock.now().getTime() / 1000;
      expect(await ensurePurgeScheduled(deps)).toBe(true);
      await world.t.parley.jobs.runDue();
      const after = await scrape();
      expect(after.value('parley_purge_runs_total', { result: 'ok' })).toBe(1);
      expect(after.value('parley_purge_runs_total', { result: 'failed' })).toBe(0);
      expect(after.value('parley_purge_items_total', { outcome: 'deleted' })).toBeGreaterThanOrEqual(0);
      expect(after.value('parley_purge_last_success_timestamp_seconds')).toBeGreaterThanOrEqual(Math.floor(started));
    });

    it('sorts the open rights requests by when they fall due: overdue, within 7 days, later', async () => {
      const deps = world.t.parley.deps;
      const now = deps.clock.now().getTime();
      const dueIn = async (days: number, extendedDays?: number) => {
        const id = await insertRequest(deps, world.admin.orgId, null);
        await deps.db
          .updateTable('rights_requests')
          .set({ due_at: iso(new Date(now + days * DAY_MS)), extended_due_at: extendedDays === undefined ? null : iso(new Date(now + extendedDays * DAY_MS)) })
          .where('id', '=', id)
          .execute();
      };
      await dueIn(-1); // overdue
      await dueIn(3); // within 7 days
      await dueIn(6.5); // within 7 days
      await dueIn(2, 40); // extended: later
      await dueIn(20); // later
      const completed = await insertRequest(deps, world.admin.orgId, null);
      await deps.db.updateTable('rights_requests').set({ status: 'completed', due_at: iso(new Date(now - DAY_MS)) }).where('id', '=', completed).execute();

      const s = await scrape();
      expect(s.value('parley_rights_requests_open', { due: 'overdue' })).toBe(1);
      expect(s.value('parley_rights_requests_open', { due: 'within_7_days' })).toBe(2);
      expect(s.value('parley_rights_requests_open', { due: 'later' })).toBe(2);
    });

    it('has every metric the Grafana dashboard in docs/ queries', async () => {
      const dashboard = JSON.parse(readFileSync(new URL('../../docs/grafana-dashboard.json', import.meta.url), 'utf8')) as {
        panels: { targets: { expr: string }[] }[];
      };
      const queried = new Set(dashboard.panels.flatMap((p) => p.targets.flatMap((t) => t.expr.match(/\b(?:parley|process|nodejs)_[a-z0-9_]+/g) ?? [])));
      expect(queried.size).toBeGreaterThanOrEqual(12);
      const s = await scrape();
      const exposed = new Set(s.families.map((f) => f.name));
      expect([...queried].filter((name) => !exposed.has(name))).toEqual([]);
    });

    it('carries counts only: no label holds an organisation, a person, a call or an address', async () => {
      const s = await scrape();
      const parley = s.families.filter((f) => f.name.startsWith('parley_'));
      expect(parley.length).toBeGreaterThanOrEqual(14);
      const labelValues = parley.flatMap((f) => f.metrics.flatMap((m) => Object.values(m.labels ?? {})));
      expect(labelValues.filter((v) => !/^[a-z0-9_]+$/.test(v))).toEqual([]);
      const text = JSON.stringify(s.families);
      expect(text).not.toContain(world.admin.orgId);
      expect(text).not.toContain(world.admin.email);
    });
  });
}

describe('GET /metrics without PARLEY_METRICS_TOKEN', () => {
  it('answers 404 and says how to turn metrics on', async () => {
    const world = await startCallWorld(fastCalls, {}, 'sqlite');
    try {
      const base = world.url.replace(/^ws:/, 'http:').replace(/\/api\/calls\/signal$/, '');
      const res = await fetch(`${base}/metrics`, { headers: { authorization: 'Bearer anything-at-all-anything-at-all' } });
      expect(res.status).toBe(404);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('METRICS_OFF');
      expect(body.error.message).toContain('PARLEY_METRICS_TOKEN');
    } finally {
      await world.t.close();
    }
  });
});
