import { describe, expect, it } from 'vitest';
import { printSummary, soakFailures, soakTable } from '../../bench/support/soak-report.ts';
import { runSoak } from '../../bench/support/soak-run.ts';
import { hasFfmpeg } from '../support/media-feed.ts';

/**
 * The soak of `npm run bench -- soak`, for one minute: two calls at a time, each 10–20 s, on two media workers.
 * Only what does not depend on timing is asserted — every call played as planned, every live counter back to zero,
 * nothing left open that was not open at rest, every recording complete and every kept track decodable, every
 * withdrawn consent's track erased, every chat message delivered. Loss and memory are printed, not judged.
 */
describe.skipIf(!hasFfmpeg)('a one-minute soak (calls, recordings, withdrawals, chat)', () => {
  it('ends with every counter at zero, no handle left open and every recording decodable', { timeout: 360_000 }, async () => {
    const report = await runSoak({ minutes: 1, calls: 2, callSeconds: [10, 20], workers: 2, withdrawShare: 0.3, sampleSeconds: 60, seed: 1 });
    console.log(soakTable(report.rows, 2));
    printSummary(report);

    expect(soakFailures(report)).toEqual([]);
    // Not vacuous: calls ran, each way of ending was played, someone withdrew, and both kinds of track were checked.
    expect(report.outcomes.length).toBeGreaterThanOrEqual(4);
    expect(new Set(report.outcomes.map((o) => o.ending))).toEqual(new Set(['agent-ends', 'customer-leaves', 'tabs-closed']));
    expect(report.outcomes.filter((o) => o.withdrew).length).toBeGreaterThanOrEqual(1);
    expect(report.recordings.total).toBe(report.outcomes.length);
    const kept = report.tracks.filter((t) => t.status === 'complete');
    expect(kept.filter((t) => t.kind === 'agent').length).toBe(report.recordings.total);
    expect(kept.filter((t) => t.kind === 'customer').length).toBeGreaterThanOrEqual(1);
    expect(kept.every((t) => t.streams === 'opus+vp8' && (t.decodedSec ?? 0) > 3)).toBe(true);
    expect(report.tracks.filter((t) => t.status === 'erased').length).toBe(report.outcomes.filter((o) => o.withdrew).length);
    expect(report.hubCounts).toMatchObject({ calls: 0, participants: 0, sockets: 0, rooms: 0, peers: 0, peerConnections: 0, publications: 0, subscriptions: 0 });
    expect(report.workerCounts).toHaveLength(2);
    for (const c of report.workerCounts) expect(c).toMatchObject({ rooms: 0, peers: 0, peerConnections: 0, publications: 0, subscriptions: 0, timers: 0, captures: 0 });
    expect(report.leftOpen).toEqual([]);
  });
});
