#!/usr/bin/env node
// `npm create zeroloop <folder>`: makes a new project of zeroloop reconcilers in <folder>, then says what to run next.
import { runCreate } from './cli.ts';

process.exitCode = await runCreate(process.argv.slice(2), {
  cwd: process.cwd(),
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});
