/**
 * Hours of calls, compressed: a real Parley carries concurrent 1:1 calls for N minutes, every call recorded on
 * consent, people joining and leaving all the time, chat, consent withdrawals, three ways of ending — synthetic
 * clients in their own process sending real VP8/Opus from ffmpeg (bench/support/soak-run.ts and soak-clients.ts).
 *
 *   npm run bench -- soak [--minutes 10] [--calls 4] [--call-seconds 30,60] [--workers 2] [--withdraw 0.3] [--seed 1]
 *
 * Prints a row per minute (calls, participants, loss, the API process's and each worker's RSS and heap, open
 * descriptors and UDP sockets, event-loop p99), then the slope of memory per minute, whether every counter came
 * back to zero and every handle was let go, and whether every recording is complete and decodes. The baseline of
 * the same run is the server at rest after one warm-up call: what is open then is what may be open at the end.
 * Figures only, no threshold on them; the run exits 1 when a recording, counter or handle check fails, since those
 * do not depend on timing.
 */
import { z } from 'zod';
import { printMachineHeader } from './support/machine.ts';
import { numberList, readOptions, settle } from './support/options.ts';
import { printSummary, soakFailures, soakTable } from './support/soak-report.ts';
import { runSoak, type SoakSettings } from './support/soak-run.ts';

const settingsSchema = z.object({
  minutes: z.coerce.number().positive().max(24 * 60).default(10),
  calls: z.coerce.number().int().min(1).max(50).default(4),
  callSeconds: z
    .tuple([z.number().min(5), z.number().min(5)])
    .refine(([a, b]) => a <= b)
    .default([30, 60]),
  workers: z.coerce.number().int().min(1).max(16).default(2),
  withdraw: z.coerce.number().min(0).max(1).default(0.3),
  seed: z.coerce.number().int().min(0).default(1),
});

const usage = `Usage: npm run bench -- soak [options]
  --minutes N           how long the calls go on (default 10)
  --calls N             calls held at once (default 4)
  --call-seconds A,B    each call lasts between A and B seconds (default 30,60)
  --workers N           media worker processes (default 2)
  --withdraw SHARE      share of customers who withdraw their recording consent mid-call (default 0.3)
  --seed N              seeds the plan of calls (default 1)`;

function parseSettings(argv: string[]): SoakSettings {
  const o = readOptions(argv, ['minutes', 'calls', 'call-seconds', 'workers', 'withdraw', 'seed'], usage);
  const s = settle(
    settingsSchema,
    { minutes: o.minutes, calls: o.calls, callSeconds: numberList(o['call-seconds']), workers: o.workers, withdraw: o.withdraw, seed: o.seed },
    '--minutes and --calls take positive numbers, --call-seconds two numbers ≥ 5 in order, --withdraw a share from 0 to 1.',
    usage,
  );
  return { minutes: s.minutes, calls: s.calls, callSeconds: s.callSeconds, workers: s.workers, withdrawShare: s.withdraw, sampleSeconds: 60, seed: s.seed };
}

async function main(): Promise<void> {
  const settings = parseSettings(process.argv.slice(2));
  await printMachineHeader({ benchmark: 'soak' });
  console.log(
    `${settings.calls} concurrent 1:1 calls for ${settings.minutes} min, each ${settings.callSeconds[0]}–${settings.callSeconds[1]} s, recorded on consent; ` +
      `${(settings.withdrawShare * 100).toFixed(0)} % of customers withdraw mid-call; chat every 4 s; endings: agent ends / customer leaves first / tabs closed.\n` +
      `Media: ffmpeg VP8 320×240 15 fps ~300 kbit/s + Opus, real time, sent by werift clients in a separate process. ${settings.workers} media worker(s). Seed ${settings.seed}.\n`,
  );
  const report = await runSoak(settings, {
    note: (line) => process.stderr.write(`  ${line}\n`),
    row: (r) => process.stderr.write(`  minute ${(r.atSeconds / 60).toFixed(0)}: ${r.liveCalls} calls, ${r.participants} people, loss ${r.loss === null ? '–' : (r.loss * 100).toFixed(2)} %, API RSS ${(r.api.rssBytes / 2 ** 20).toFixed(0)} MiB\n`),
  });
  console.log(soakTable(report.rows, settings.workers));
  printSummary(report);
  const failures = soakFailures(report);
  if (failures.length > 0) {
    console.log(`\n${failures.length} check(s) failed:`);
    for (const f of failures.slice(0, 30)) console.log(`  ${f}`);
    process.exitCode = 1;
  } else console.log('\nEvery check held.');
}

main().then(() => process.exit(process.exitCode ?? 0)).catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
