import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { describe, expect, it } from 'vitest';

/**
 * Issue 13's division of work, checked on the import graph as esbuild resolves it (type-only imports are erased, so
 * only what runs counts): a media worker holds media and capture, never the database, the audit log, consent, mail
 * or webhooks; and nothing in the media layer emits webhooks or writes the audit log itself.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

async function graph(...entryPoints: string[]): Promise<Metafile> {
  const result = await build({
    absWorkingDir: root,
    entryPoints,
    outdir: 'unused', // several entry points need one; nothing is written
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    logLevel: 'silent',
  });
  return result.metafile;
}

/** Parley's own modules a graph reaches (npm packages stay external). */
const ownModules = (m: Metafile) => Object.keys(m.inputs).filter((f) => f.startsWith('src/'));

const outsideTheWorker = ['src/db/', 'src/audit/', 'src/consent/', 'src/mail/', 'src/webhooks/', 'src/calls/', 'src/keys/', 'src/http/'];

describe('the media layer’s dependencies', () => {
  it('keeps a media worker to media and capture: it reaches no database, audit log, consent, mail, webhook or key-ring module', async () => {
    const reached = ownModules(await graph('src/media/worker/media-worker.ts'));
    // The graph is real: the worker reaches the SFU and the recorder's capture.
    expect(reached).toEqual(expect.arrayContaining(['src/media/media-server.ts', 'src/recording/track-capture.ts']));
    expect(reached.filter((f) => outsideTheWorker.some((dir) => f.startsWith(dir)))).toEqual([]);
  });

  it('leaves call records, webhooks and the audit log to the API process: no module of src/media imports them', async () => {
    const sources = readdirSync(path.join(root, 'src/media'), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
      .map((f) => `src/media/${f}`);
    const m = await graph(...sources);
    const offending: string[] = [];
    let mediaModules = 0;
    for (const [file, input] of Object.entries(m.inputs)) {
      if (!file.startsWith('src/media/')) continue;
      mediaModules++;
      for (const imported of input.imports) {
        if (/^src\/(webhooks|audit)\//.test(imported.path)) offending.push(`${file} → ${imported.path}`);
      }
    }
    expect(mediaModules).toBe(sources.length);
    expect(offending).toEqual([]);
  });
});
