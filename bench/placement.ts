/**
 * How a cluster spreads calls over its nodes, and what a join costs when its signalling is bridged (issue 14).
 *
 *   npm run bench -- placement [--calls 30] [--nodes 3]
 *
 * Starts N `parley start` nodes (one media worker each) on PostgreSQL, Redis and s3rver — it needs
 * PARLEY_TEST_POSTGRES_URL and PARLEY_TEST_REDIS_URL, as the tests do. Then, twice:
 * - one after another: for each call, its agent's socket reaches node i mod N and its customer's node i+1 mod N
 *   (as a round-robin load balancer would send them); the call is placed when the agent joins;
 * - all at once: as many calls again, every join sent in the same moment (placements racing between heartbeats).
 * It prints where the calls went (from Redis, and each node's own /metrics), and the time from sending `join` to
 * the `welcome` for sockets that reached the hosting node directly and for sockets bridged to it. Figures are
 * printed, never compared to a threshold (STYLE 15).
 */
import { z } from 'zod';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { clusterAvailable, startClusterEnv, type ClusterEnv, type NodeProcess } from '../test/cluster/support/cluster.ts';
import { scheduleCall, type CallWorld } from '../test/media/support/call-setup.ts';
import { SignalClient } from '../test/media/support/signal-client.ts';
import { addUser, createOrgWithAdmin, publishNotice, startTestParley, type TestParley } from '../test/support/harness.ts';
import { percentile } from './support/join-marks.ts';
import { printMachineHeader } from './support/machine.ts';
import { readOptions, settle } from './support/options.ts';
import { formatTable } from './support/table.ts';

const settingsSchema = z.object({
  calls: z.coerce.number().int().min(1).max(300).default(30),
  nodes: z.coerce.number().int().min(2).max(6).default(3),
});
const usage = `Usage: npm run bench -- placement [options]
  --calls N   calls per phase (default 30)
  --nodes N   cluster nodes, 2 to 6 (default 3)`;

interface Join {
  readonly direct: boolean;
  readonly ms: number;
}

async function main(): Promise<void> {
  const settings = settle(settingsSchema, readOptions(process.argv.slice(2), ['calls', 'nodes'], usage), '--calls takes 1 to 300, --nodes 2 to 6.', usage);
  if (!clusterAvailable) throw new Error('placement needs PARLEY_TEST_POSTGRES_URL and PARLEY_TEST_REDIS_URL (PostgreSQL and Redis every node reaches).');
  await printMachineHeader({ benchmark: 'placement' });
  let t: TestParley | undefined;
  let cluster: ClusterEnv | undefined;
  const sockets: SignalClient[] = [];
  try {
    t = await startTestParley('postgres');
    const admin = await createOrgWithAdmin(t, 'Musterbank AG');
    const agent = await addUser(t, admin, 'agent');
    await publishNotice(admin);
    const ct = await admin.client.post('/api/call-types', { name: 'Beratung', purposes: [{ purpose: 'call_delivery', basis: 'contract' }], lobbyEnabled: false });
    if (ct.status !== 201) throw new Error(`could not create the call type: ${ct.raw}`);
    const world = { t, admin, agent } as unknown as CallWorld;
    cluster = await startClusterEnv({ pgSchema: t.parley.database.pgSchema!, masterKeyFile: t.config.masterKeyFile, redisDb: 6 });
    const nodes: NodeProcess[] = [];
    for (let i = 0; i < settings.nodes; i++) nodes.push(await cluster.start(String.fromCharCode(65 + i)));
    const cookie = `parley_session=${agent.client.cookies.get('parley_session')}`;
    const wsOf = (n: NodeProcess) => `ws://127.0.0.1:${n.port}/api/calls/signal`;
    const env = cluster;

    /** One participant's join through `node`: ms from sending `join` to `welcome`, and whether `node` hosts the call. */
    const join = async (node: NodeProcess, callId: string, auth: { kind: 'session' } | { kind: 'link'; token: string }): Promise<Join> => {
      const socket = await SignalClient.connect(wsOf(node), auth.kind === 'session' ? { cookie } : {});
      sockets.push(socket);
      const sent = performance.now();
      socket.send({ type: 'join', callId, auth });
      await socket.next('welcome', () => true, { timeoutMs: 30_000 });
      const ms = performance.now() - sent;
      return { direct: (await env.redis.get(`parley:call:${callId}`)) === node.nodeId, ms };
    };

    const phase = async (title: string, concurrent: boolean) => {
      const calls: Awaited<ReturnType<typeof scheduleCall>>[] = [];
      for (let i = 0; i < settings.calls; i++) calls.push(await scheduleCall(world, ct.body.id));
      const joins: Join[] = [];
      const started = performance.now();
      const one = async (i: number) => {
        const call = calls[i]!;
        joins.push(await join(nodes[i % nodes.length]!, call.callId, { kind: 'session' }));
        joins.push(await join(nodes[(i + 1) % nodes.length]!, call.callId, { kind: 'link', token: call.customerToken }));
      };
      if (concurrent) await Promise.all(calls.map((_, i) => one(i)));
      else for (let i = 0; i < calls.length; i++) await one(i);
      const seconds = (performance.now() - started) / 1000;
      const placed = await Promise.all(calls.map((c) => env.redis.get(`parley:call:${c.callId}`)));
      const metric = async (n: NodeProcess, name: string) => {
        const family = parsePrometheusTextFormat(await n.metrics()).find((f) => f.name === name);
        return Number((family?.metrics[0] as { value?: string } | undefined)?.value ?? NaN);
      };
      console.log(`\n${title}: ${calls.length} calls, ${joins.length} joins in ${seconds.toFixed(1)} s\n`);
      const rows = [];
      for (const n of nodes) {
        rows.push([n.name, String(placed.filter((p) => p === n.nodeId).length), String(await metric(n, 'parley_calls')), String(await metric(n, 'parley_participants'))]);
      }
      console.log(formatTable([{ title: 'node' }, { title: 'calls placed (this phase)', right: true }, { title: 'parley_calls now', right: true }, { title: 'parley_participants now', right: true }], rows));
      const summary = (list: Join[]) => {
        const sorted = list.map((j) => j.ms).sort((a, b) => a - b);
        return sorted.length === 0 ? ['0', '–', '–', '–'] : [String(sorted.length), percentile(sorted, 50).toFixed(1), percentile(sorted, 95).toFixed(1), sorted.at(-1)!.toFixed(1)];
      };
      console.log(`\n'join' sent → 'welcome' received (ms):\n`);
      console.log(
        formatTable(
          [{ title: 'socket' }, { title: 'joins', right: true }, { title: 'p50', right: true }, { title: 'p95', right: true }, { title: 'max', right: true }],
          [
            ['on the hosting node', ...summary(joins.filter((j) => j.direct))],
            ['bridged over Redis', ...summary(joins.filter((j) => !j.direct))],
          ],
        ),
      );
      // Everyone leaves (so the calls close at once, not after the grace period) before the next phase.
      for (const s of sockets.splice(0)) {
        s.send({ type: 'leave' });
        s.close();
      }
      await new Promise((r) => setTimeout(r, 2_500));
    };

    await phase('One after another (round-robin over the nodes)', false);
    await phase('All at once', true);
    console.log('\nEvery join authenticates once on the node the socket reached and again on the host (both read PostgreSQL).');
  } finally {
    for (const s of sockets) s.close();
    await cluster?.close().catch(() => undefined);
    await t?.close().catch(() => undefined);
  }
}

main().then(() => process.exit(process.exitCode ?? 0)).catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
