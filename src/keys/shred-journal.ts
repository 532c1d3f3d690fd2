import { appendFileSync, closeSync, existsSync, fsyncSync, openSync, readFileSync } from 'node:fs';
import type { Deps } from '../deps.ts';
import { iso } from '../shared/clock.ts';

/** The objects whose data keys Parley destroys to erase them (crypto-shredding, G27). */
export type ShreddedTable = 'recording_tracks' | 'subject_exports';

/**
 * The shredding journal: one line per destroyed data key (`<table> <id>`, ids only), appended to a file beside the
 * master key — which the operator keeps apart from the data and never in a data backup. A backup of the database
 * taken before an erasure still holds the wrapped key of what was erased; restoring it would bring that back. So
 * `parley restore` replays this journal on the restored database: every key listed is destroyed again before
 * Parley starts on it (docs/backup.md). Appended before the erasing transaction commits: an id whose erasure then
 * failed is erased at a restore anyway, which errs on the side of the erasure that was asked for.
 */
export function journalOf(masterKeyFile: string): string {
  return `${masterKeyFile}.shredded`;
}

export function recordShredded(deps: Pick<Deps, 'config'>, table: ShreddedTable, ids: readonly string[]): void {
  if (ids.length === 0) return;
  const file = journalOf(deps.config.masterKeyFile);
  appendFileSync(file, ids.map((id) => `${table} ${id}\n`).join(''), { mode: 0o600 });
  // On disk before the key goes: a crash right after the commit must not lose the line.
  const fd = openSync(file, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** The ids of the journal, by table (an absent journal is empty). Lines that are not `<table> <id>` are skipped. */
export function readJournal(masterKeyFile: string): Map<ShreddedTable, Set<string>> {
  const out = new Map<ShreddedTable, Set<string>>([
    ['recording_tracks', new Set()],
    ['subject_exports', new Set()],
  ]);
  const file = journalOf(masterKeyFile);
  if (!existsSync(file)) return out;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const [table, id] = line.trim().split(' ');
    if ((table === 'recording_tracks' || table === 'subject_exports') && id) out.get(table)!.add(id);
  }
  return out;
}

/**
 * Destroys again every data key the journal lists that the database still holds (a restored older backup). Returns
 * how many were destroyed, per table. Idempotent.
 */
export async function replayJournal(deps: Pick<Deps, 'db' | 'clock' | 'config'>): Promise<Record<ShreddedTable, number>> {
  const journal = readJournal(deps.config.masterKeyFile);
  const done: Record<ShreddedTable, number> = { recording_tracks: 0, subject_exports: 0 };
  const now = iso(deps.clock.now());
  for (const [table, ids] of journal) {
    const list = [...ids];
    for (let i = 0; i < list.length; i += 500) {
      const chunk = list.slice(i, i + 500);
      const res =
        table === 'recording_tracks'
          ? await deps.db.updateTable('recording_tracks').set({ status: 'erased', wrapped_key: null, erased_at: now }).where('id', 'in', chunk).where('wrapped_key', 'is not', null).executeTakeFirst()
          : await deps.db.updateTable('subject_exports').set({ status: 'erased', wrapped_key: null }).where('id', 'in', chunk).where('wrapped_key', 'is not', null).executeTakeFirst();
      done[table] += Number(res.numUpdatedRows);
    }
  }
  return done;
}
