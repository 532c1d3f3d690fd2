import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FAILPOINTS, parseFailpoints } from './failpoints.ts';

const SRC = path.resolve(import.meta.dirname, '..');

/** Every failpoint name called in src/ (`failpoint('…')`), with the files calling it. */
function calledFailpoints(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const entry of readdirSync(SRC, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts') || entry.name.endsWith('.test.ts')) continue;
    const file = path.join(entry.parentPath, entry.name);
    if (file === path.join(SRC, 'config', 'failpoints.ts')) continue; // the definition (its comment shows a call)
    for (const m of readFileSync(file, 'utf8').matchAll(/\bfailpoint\('([a-z._]+)'\)/g)) {
      found.set(m[1]!, [...(found.get(m[1]!) ?? []), path.relative(SRC, file)]);
    }
  }
  return found;
}

describe('failpoints', () => {
  it('every declared failpoint is called exactly once in src/, and nothing else is called', () => {
    const called = calledFailpoints();
    expect([...called.keys()].sort()).toEqual([...FAILPOINTS].sort());
    for (const [name, files] of called) expect(files, name).toHaveLength(1);
  });

  it('reads a comma-separated list and refuses a name that is not a failpoint', () => {
    expect([...parseFailpoints(undefined)]).toEqual([]);
    expect([...parseFailpoints(' export.mid_upload , webhook.after_post ')]).toEqual(['export.mid_upload', 'webhook.after_post']);
    expect(() => parseFailpoints('export.mid_upload,export.midupload')).toThrow(/unknown failpoint\(s\) export\.midupload/);
  });
});
