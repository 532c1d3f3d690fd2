#!/usr/bin/env node
// The `parley` command. Parley runs its TypeScript sources through tsx, so a clone works after `npm ci`
// with no build step for the server (the web console is built by Vite).
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../src/cli/main.ts');
process.exitCode = await runCli(process.argv.slice(2));
