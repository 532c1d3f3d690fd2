#!/usr/bin/env node
// `npm run bench -- NAME [options]`: runs bench/NAME.ts through tsx, passing the options on.
// Without a name, or with one that is not a benchmark, lists the benchmarks and exits 2.
// Benchmarks print figures only; nothing here compares them to a threshold (STYLE 15).
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const benchDir = path.join(root, 'bench');

/** Top-level bench/*.ts files are benchmarks; helpers live in bench/support/ and are not listed. */
function availableBenchmarks() {
  let entries;
  try {
    entries = readdirSync(benchDir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts'))
    .map((e) => e.name.slice(0, -'.ts'.length))
    .sort();
}

const [name, ...rest] = process.argv.slice(2);
const benchmarks = availableBenchmarks();

if (!name || !benchmarks.includes(name)) {
  if (name) console.error(`Unknown benchmark: ${name}`);
  console.error('Usage: npm run bench -- NAME [options]\n\nBenchmarks:');
  for (const b of benchmarks) console.error(`  ${b}`);
  if (benchmarks.length === 0) console.error('  (none in bench/)');
  console.error('\nSee bench/README.md for what each one measures and its options.');
  process.exit(2);
}

const child = spawn(process.execPath, ['--import', 'tsx', path.join(benchDir, `${name}.ts`), ...rest], {
  cwd: root,
  stdio: 'inherit',
});
// Ctrl-C reaches the benchmark too (same process group); stay alive so it can drop its temporary database
// and so its exit status is the one reported.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => child.kill('SIGTERM'));
child.on('error', (err) => {
  console.error(`Could not start the benchmark: ${err.message}`);
  process.exit(1);
});
child.on('exit', (code, signal) => {
  if (signal) {
    console.error(`Benchmark ${name} was ended by ${signal}.`);
    process.exit(1);
  }
  process.exit(code ?? 1);
});
