// Checks the Go SDK's hand-written canonical-ABI offsets (reconcilers/sdk-go/layout.go) against wit/, with witlayout.
//
// witlayout (reconcilers/pipeline/go/witlayout) reads wit/ with go.bytecodealliance.org/wit, pinned in
// reconcilers/pipeline/go/go.mod, and prints every offset and size as `name = value`. It is built once
// per pin into the per-user cache (~/.cache/zeroloop/witlayout-<hash>/), like the control plane, and a
// passed check is remembered in build/go/ per hash of wit/, layout.go and the tool.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { access, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { defaultCacheRoot } from '../../cluster/build.ts';
import { runGo } from '../../cluster/gocmd.ts';
import { withDirLock } from '../../cluster/lock.ts';
import { GoLayoutMismatch } from './errors.ts';
import { goEnv } from './go-build.ts';
import type { Logger } from '../../relay/observe/log.ts';
import { BUILD_DIR, PIPELINE_DIR, PROJECT_ROOT, SDK_GO_DIR, WIT_DIR } from './paths.ts';

const TOOL_DIR = join(PIPELINE_DIR, 'go');
const LAYOUT_GO = join(SDK_GO_DIR, 'layout.go');

async function sha(files: readonly string[]): Promise<string> {
  const hash = createHash('sha256');
  for (const f of files) hash.update(`\0${relative(PROJECT_ROOT, f)}\0`).update(await readFile(f));
  return hash.digest('hex').slice(0, 16);
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

/** The witlayout binary for the current pin, built into the per-user cache the first time. */
async function witlayout(log: Logger): Promise<string> {
  const key = await sha(['go.mod', 'go.sum', 'witlayout/main.go'].map((f) => join(TOOL_DIR, f)));
  const root = defaultCacheRoot();
  const dir = join(root, `witlayout-${key}`);
  const bin = join(dir, 'witlayout');
  if (await exists(bin)) return bin;
  await mkdir(root, { recursive: true });
  return withDirLock(`${dir}.lock`, async () => {
    if (await exists(bin)) return bin;
    const started = performance.now();
    log.info('go-layout.tool.build', {
      dir,
      message: 'building witlayout (go.bytecodealliance.org/wit) once',
    });
    const temp = `${bin}.${process.pid}.tmp`;
    await mkdir(dir, { recursive: true });
    const run = await runGo(['build', '-o', temp, './witlayout'], { cwd: TOOL_DIR, env: goEnv() });
    if (run.code !== 0) {
      await rm(temp, { force: true });
      throw new GoLayoutMismatch(
        'sdk-go',
        relative(PROJECT_ROOT, TOOL_DIR),
        `building witlayout failed:\n${run.stderrTail.join('\n')}`,
      );
    }
    await rename(temp, bin);
    log.info('go-layout.tool.built', { ms: Math.round(performance.now() - started) });
    return bin;
  });
}

/** `name = value` pairs of a text (witlayout's output, or layout.go's const block). */
function pairs(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of text.matchAll(/^\s*([A-Za-z][A-Za-z0-9]*)\s*=\s*(\d+)\s*$/gm)) {
    out.set(m[1] ?? '', Number(m[2]));
  }
  return out;
}

/** The differences between what wit/ says and what layout.go declares; empty when they agree. */
export function layoutDifferences(want: Map<string, number>, have: Map<string, number>): string[] {
  const problems: string[] = [];
  for (const [name, value] of want) {
    const declared = have.get(name);
    if (declared === undefined) problems.push(`${name} = ${value} is missing`);
    else if (declared !== value) problems.push(`${name} is ${declared}, wit/ says ${value}`);
  }
  for (const name of have.keys()) if (!want.has(name)) problems.push(`${name} is not in wit/ any more`);
  return problems;
}

/** Fails with GoLayoutMismatch when layout.go and wit/ disagree; remembers a pass in build/go/. */
export async function checkGoLayout(log: Logger, buildDir: string = BUILD_DIR): Promise<void> {
  const wit = (await readdir(WIT_DIR, { recursive: true }))
    .filter((f) => f.endsWith('.wit'))
    .sort()
    .map((f) => join(WIT_DIR, f));
  const stamp = join(
    buildDir,
    'go',
    `layout-${await sha([...wit, LAYOUT_GO, join(TOOL_DIR, 'witlayout/main.go')])}.ok`,
  );
  if (await exists(stamp)) return;
  const bin = await witlayout(log);
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(bin, [WIT_DIR], (error, out, err) => {
      if (error) reject(new GoLayoutMismatch('sdk-go', 'wit', `witlayout failed: ${err || error.message}`));
      else resolve(out);
    });
  });
  const problems = layoutDifferences(pairs(stdout), pairs(await readFile(LAYOUT_GO, 'utf8')));
  if (problems.length > 0) {
    throw new GoLayoutMismatch(
      'sdk-go',
      relative(PROJECT_ROOT, LAYOUT_GO),
      `does not match wit/: ${problems.join('; ')}. Update the constants (the output of \`go run ./witlayout ../../../wit\` in reconcilers/pipeline/go) and the code in abi.go that reads or writes the changed types.`,
    );
  }
  await mkdir(join(buildDir, 'go'), { recursive: true });
  await writeFile(stamp, stdout);
  log.info('go-layout.checked', { constants: pairs(stdout).size });
}
