/**
 * The soak's printed report (bench/soak.ts) and the list of checks that failed, shared with the suite's 1-minute
 * run (test/soak/soak.test.ts), which prints the same table.
 */
import type { ProcessVitals } from '../../src/metrics/process-vitals.ts';
import type { SoakReport, SoakRow } from './soak-run.ts';
import { formatTable, type Column } from './table.ts';

const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
/** Open descriptors / UDP sockets / Node's active handles and requests (timers included). */
const held = (v: ProcessVitals) => `${v.fds ?? '–'}/${v.udpSockets ?? '–'}/${Object.values(v.resources).reduce((a, b) => a + b, 0)}`;
const optional = (n: number | null, digits: number) => (n === null ? '–' : n.toFixed(digits));

/** The per-minute table: one column group for the API process, one per worker. */
export function soakTable(rows: readonly SoakRow[], workers: number): string {
  const columns: Column[] = [
    { title: 'min', right: true },
    { title: 'started', right: true },
    { title: 'ended', right: true },
    { title: 'failed', right: true },
    { title: 'withdrawn', right: true },
    { title: 'chats', right: true },
    { title: 'live calls', right: true },
    { title: 'people', right: true },
    { title: 'loss % in/out', right: true },
    { title: 'API RSS/heap MiB', right: true },
    { title: 'API fds/UDP/handles', right: true },
    { title: 'API loop p99 ms', right: true },
  ];
  for (let i = 1; i <= workers; i++) {
    columns.push({ title: `w${i} RSS/heap MiB`, right: true }, { title: `w${i} fds/UDP/handles`, right: true }, { title: `w${i} p99 ms`, right: true });
  }
  columns.push({ title: 'clients core %', right: true });
  return formatTable(
    columns,
    rows.map((r) => {
      const cells = [
        (r.atSeconds / 60).toFixed(r.atSeconds % 60 === 0 ? 0 : 1),
        String(r.callsStarted),
        String(r.callsEnded),
        String(r.callsFailed),
        String(r.withdrawals),
        String(r.chats),
        String(r.liveCalls),
        String(r.participants),
        `${r.serverLoss === null ? '–' : (r.serverLoss * 100).toFixed(2)}/${r.loss === null ? '–' : (r.loss * 100).toFixed(2)}`,
        `${mib(r.api.rssBytes)}/${mib(r.api.heapUsedBytes)}`,
        held(r.api),
        optional(r.api.loopP99Ms, 0),
      ];
      for (let i = 0; i < workers; i++) {
        const w = r.workers[i];
        cells.push(w ? `${mib(w.rssBytes)}/${mib(w.heapUsedBytes)}` : 'gone', w ? held(w) : '–', w ? optional(w.loopP99Ms, 0) : '–');
      }
      cells.push((r.clientsCore * 100).toFixed(0));
      return cells;
    }),
  );
}

/** What must hold whatever the timing, as lines; empty when all of it held. */
export function soakFailures(report: SoakReport): string[] {
  const out: string[] = [];
  const h = report.hubCounts;
  const hubLeft = Object.entries(h).filter(([k, v]) => k !== 'timers' && v !== 0);
  if (hubLeft.length > 0) out.push(`API process still holds: ${hubLeft.map(([k, v]) => `${k} ${v}`).join(', ')}`);
  report.workerCounts.forEach((c, i) => {
    const left = Object.entries(c).filter(([k, v]) => k !== 'udpSockets' && v !== 0);
    if (left.length > 0) out.push(`worker ${i + 1} still holds: ${left.map(([k, v]) => `${k} ${v}`).join(', ')}`);
  });
  for (const l of report.leftOpen) out.push(`left open: ${l.what} ${l.before} → ${l.after}`);
  for (const p of report.recordings.problems) out.push(p);
  for (const t of report.tracks) if (t.problem) out.push(`track ${t.trackId} (${t.kind}${t.withdrew ? ', withdrew' : ''}): ${t.problem}`);
  if (report.jobsLeft > 0) out.push(`${report.jobsLeft} erasure job(s) still waiting`);
  for (const o of report.outcomes) if (o.failure) out.push(`call ${o.callId}: ${o.failure}`);
  for (const o of report.outcomes) if (!o.failure && o.chatsReceived !== o.chatsSent) out.push(`call ${o.callId}: ${o.chatsReceived} of ${o.chatsSent} chat messages arrived`);
  out.push(...report.machineProblems);
  return out;
}

export function printSummary(report: SoakReport): void {
  const ok = report.outcomes.filter((o) => !o.failure);
  const kept = report.tracks.filter((t) => t.status === 'complete');
  const decoded = kept.filter((t) => t.problem === null);
  const erased = report.tracks.filter((t) => t.status === 'erased');
  console.log(
    `\nCalls: ${report.outcomes.length} played, ${ok.length} as planned, ${report.outcomes.length - ok.length} failed; ` +
      `${report.outcomes.filter((o) => o.withdrew).length} consent withdrawals; ` +
      `${report.outcomes.reduce((s, o) => s + o.chatsReceived, 0)} of ${report.outcomes.reduce((s, o) => s + o.chatsSent, 0)} chat messages delivered.`,
  );
  const pct = (x: number | null) => (x === null ? '–' : `${(x * 100).toFixed(3)} %`);
  console.log(`Loss over the whole run: in ${pct(report.serverLoss)} (publishers → server, the SFU's sequence gaps), out ${pct(report.loss)} (server → receivers, as they counted it).`);
  console.log('\nMemory slope from minute 2 on (least squares; the first minute warms up):');
  console.log(
    formatTable(
      [{ title: 'process' }, { title: 'RSS MiB/min', right: true }, { title: 'heap MiB/min', right: true }],
      report.slopes.map((s) => [s.process, optional(s.rssMiBPerMin, 2), optional(s.heapMiBPerMin, 2)]),
    ),
  );
  const decodedSec = decoded.reduce((s, t) => s + (t.decodedSec ?? 0), 0);
  console.log(
    `\nRecordings: ${report.recordings.total}, ${report.recordings.complete} complete. Tracks: ${report.tracks.length}; ` +
      `${decoded.length} of ${kept.length} kept tracks decode cleanly (${decodedSec.toFixed(0)} s of media, ` +
      `${kept.filter((t) => t.streams === 'opus+vp8').length} with both VP8 and Opus); ${erased.length} erased after a withdrawal.`,
  );
  const hubZero = Object.entries(report.hubCounts).every(([k, v]) => k === 'timers' || v === 0);
  const workersZero = report.workerCounts.every((c) => Object.entries(c).every(([k, v]) => k === 'udpSockets' || v === 0));
  console.log(`Counters back to zero: API process ${hubZero ? 'yes' : 'NO'}, workers ${workersZero ? 'yes' : 'NO'}; handles left open beyond the rest state: ${report.leftOpen.length === 0 ? 'none' : report.leftOpen.length}.`);
}
