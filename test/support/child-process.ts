/**
 * Loaded into a child `node` before Parley (`--import`): it kills itself when its stdin (a pipe from the test
 * process) closes, so a test process that dies before afterAll cannot leave a server running. It does not touch
 * Parley's own code.
 */
export const DIE_WITH_PARENT = "data:text/javascript,process.stdin.on('end',()=>process.kill(process.pid,'SIGKILL'));process.stdin.resume();";

/** Calls `check` every 50 ms until it returns something truthy; throws with `diagnostics()` after `timeoutMs`. */
export async function poll<T>(what: string, check: () => Promise<T | null | undefined | false>, timeoutMs: number, diagnostics = () => ''): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${diagnostics()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
