// Writes a real exec credential plugin for tests: an executable Node script that prints an ExecCredential and counts its runs.
//
// `plugin <runs-file> [token-file]`: appends one JSON line per run to runs-file (the time and the
// KUBERNETES_EXEC_INFO it was given), then prints an ExecCredential whose token is token-file's
// content (or `token-<run>`). Its `env` (the kubeconfig's exec.env) steers it:
// EXEC_API_VERSION (default v1), EXEC_EXPIRES_AT (an RFC 3339 time) or EXEC_EXPIRES_IN_S (seconds
// from now), EXEC_FAIL (print it to stderr and exit 1), EXEC_STDOUT (print this instead).
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const SCRIPT = `
import { appendFileSync, readFileSync } from 'node:fs';
const [runsFile, tokenFile] = process.argv.slice(2);
let runs = 0;
try { runs = readFileSync(runsFile, 'utf8').split('\\n').filter(Boolean).length; } catch {}
appendFileSync(runsFile, JSON.stringify({ at: Date.now(), info: process.env.KUBERNETES_EXEC_INFO }) + '\\n');
if (process.env.EXEC_FAIL) { process.stderr.write(process.env.EXEC_FAIL + '\\n'); process.exit(1); }
if (process.env.EXEC_STDOUT !== undefined) { process.stdout.write(process.env.EXEC_STDOUT); process.exit(0); }
const token = tokenFile ? readFileSync(tokenFile, 'utf8').trim() : 'token-' + (runs + 1);
const expiresIn = process.env.EXEC_EXPIRES_IN_S;
const expirationTimestamp = process.env.EXEC_EXPIRES_AT ??
  (expiresIn ? new Date(Date.now() + Number(expiresIn) * 1000).toISOString() : undefined);
process.stdout.write(JSON.stringify({
  apiVersion: process.env.EXEC_API_VERSION ?? 'client.authentication.k8s.io/v1',
  kind: 'ExecCredential',
  status: { token, ...(expirationTimestamp ? { expirationTimestamp } : {}) },
}));
`;

/** Writes the plugin as `<dir>/<name>` (executable, run by this Node) and returns its path. */
export async function writeExecPlugin(dir: string, name = 'exec-plugin.mjs'): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, `#!${process.execPath}\n${SCRIPT}`);
  await chmod(path, 0o755);
  return path;
}

/** The runs a plugin recorded in `runsFile`: when, and the KUBERNETES_EXEC_INFO it was given. */
export async function execPluginRuns(runsFile: string): Promise<{ at: number; info: string | undefined }[]> {
  let text: string;
  try {
    text = await readFile(runsFile, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as { at: number; info: string | undefined });
}
