import type { Reporter, TestCase, TestModule, TestRunEndReason } from 'vitest/node';

/**
 * Ends the run with one plain line (`tests: N passed, N failed, N skipped`) that any CI log reader understands.
 * A test that never ran because its suite's set-up failed counts as failed, not skipped: a broken beforeAll
 * must never look like a quiet skip.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>, _errors: unknown, _reason: TestRunEndReason) {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    // A suite whose hook threw is 'failed'; a module is 'failed' as soon as any test in it failed, so only
    // its own errors (a top-level hook or import that threw) say its unrun tests failed.
    const inFailedSuite = (t: TestCase) => {
      let p: TestCase['parent'] | undefined = t.parent;
      while (p) {
        if (p.type === 'module') return p.errors().length > 0;
        if (p.state() === 'failed') return true;
        p = p.parent;
      }
      return false;
    };
    for (const m of modules) {
      if (m.state() === 'failed' && [...m.children.allTests()].length === 0) failed += 1;
      for (const t of m.children.allTests()) {
        const state = t.result().state;
        if (state === 'passed') passed += 1;
        else if (state === 'failed' || inFailedSuite(t)) failed += 1;
        else skipped += 1;
      }
    }
    process.stdout.write(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
