/**
 * Command-line options of a benchmark: `--name value` options and `--help`. A bad option prints the problem and
 * the usage and exits 2; `--help` prints the usage and exits 0. Values come back as strings for the benchmark's
 * own zod schema, checked with `settle`.
 */
import { parseArgs } from 'node:util';
import type { z } from 'zod';

export function readOptions(argv: readonly string[], names: readonly string[], usage: string): Record<string, string | undefined> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: { ...Object.fromEntries(names.map((n) => [n, { type: 'string' as const }])), help: { type: 'boolean', short: 'h' } },
    }));
  } catch (err) {
    console.error(`${err instanceof Error ? err.message : String(err)}\n\n${usage}`);
    process.exit(2);
  }
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  return Object.fromEntries(names.map((n) => [n, values[n] as string | undefined]));
}

/** The settings `input` makes under `schema`, or — when it does not fit — `invalid`, the usage, and exit 2. */
export function settle<S extends z.ZodType>(schema: S, input: unknown, invalid: string, usage: string): z.infer<S> {
  const result = schema.safeParse(input);
  if (!result.success) {
    console.error(`${invalid}\n\n${usage}`);
    process.exit(2);
  }
  return result.data;
}

/** `1,2,4` → [1, 2, 4] (NaN for anything that is not a number, for the schema to refuse). */
export const numberList = (value: string | undefined) => value?.split(',').map((s) => Number(s.trim()));
