// Lays out the image's three layer folders: base (loader, the shared objects node links, CAs, passwd, /tmp), node, and /app.
//
// The base is what distroless' cc image gives, cut from Debian packages: only the files `ldd` says the
// node binary loads (and their symlinks), the dynamic loader, the CA bundle (concatenated as
// update-ca-certificates does), each package's copyright file, /etc/passwd and /etc/group with
// `nonroot` 65532, /etc/nsswitch.conf, /home/nonroot and /tmp. Modes are set explicitly, so the
// layers do not depend on the umask or on the files' history.
import { execFile } from 'node:child_process';
import {
  chmod,
  copyFile,
  lstat,
  mkdir,
  mkdtemp,
  rm,
  readdir,
  readFile,
  readlink,
  realpath,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import { defaultCacheRoot } from '../../cluster/build.ts';
import { buildImageTree, type ImageFile } from '../image-tree.ts';
import { CA_BUNDLE, NODE_LICENSE, NODE_PATH, NONROOT, WORKDIR } from './config.ts';
import type { Deb } from './debs.ts';

const run = promisify(execFile);
const MULTIARCH = 'x86_64-linux-gnu';
const LIB_DIRS = [`lib/${MULTIARCH}`, `usr/lib/${MULTIARCH}`];

/** A layer folder could not be assembled; names the file and what to do. */
export class RootfsAssemblyFailed extends Error {
  override readonly name = 'RootfsAssemblyFailed';
  readonly path: string;
  constructor(path: string, problem: string) {
    super(`${path}: ${problem}`);
    this.path = path;
  }
}

export interface SharedObject {
  /** The name node asks for (`libstdc++.so.6`), or the loader's path. */
  readonly soname: string;
  /** Where it is in the image, without the leading slash, and every symlink on the way. */
  readonly paths: readonly string[];
}

export interface LayerDirs {
  readonly base: string;
  readonly node: string;
  readonly app: string;
  /** uid/gid of paths (relative to a layer) that are not root's. */
  readonly owners: Readonly<Record<string, readonly [number, number]>>;
  readonly sharedObjects: readonly SharedObject[];
  readonly appFiles: readonly ImageFile[];
  readonly nodeVersion: string;
}

/** `ldd` lines: `libm.so.6 => /lib/…/libm.so.6 (0x…)`, `/lib64/ld-linux-x86-64.so.2 (0x…)`; the vdso is skipped. */
export function parseLdd(output: string): { sonames: string[]; interpreter: string | undefined } {
  const sonames: string[] = [];
  let interpreter: string | undefined;
  for (const line of output.split('\n').map((l) => l.trim())) {
    if (line === '' || line.startsWith('linux-vdso')) continue;
    if (line.endsWith('=> not found'))
      throw new RootfsAssemblyFailed('ldd', `${line}: the node binary needs a library this machine lacks`);
    const arrow = /^(\S+) => (\S+) \(0x[0-9a-f]+\)$/.exec(line);
    if (arrow?.[1] !== undefined) {
      sonames.push(arrow[1]);
      continue;
    }
    const direct = /^(\/\S+) \(0x[0-9a-f]+\)$/.exec(line);
    if (direct?.[1] !== undefined) {
      interpreter = direct[1];
      continue;
    }
    throw new RootfsAssemblyFailed('ldd', `cannot read the line ${JSON.stringify(line)}`);
  }
  return { sonames, interpreter };
}

/** Copies `rel` (a file or a symlink chain) from `from` to `to`, keeping modes; returns every path copied. */
async function copyChain(from: string, to: string, rel: string, seen: string[] = []): Promise<string[]> {
  if (seen.includes(rel) || seen.length > 16) throw new RootfsAssemblyFailed(join(from, rel), 'symlink loop');
  const src = join(from, rel);
  const info = await lstat(src).catch(() => undefined);
  if (info === undefined) throw new RootfsAssemblyFailed(src, 'missing from the unpacked Debian packages');
  const dest = join(to, rel);
  await mkdir(dirname(dest), { recursive: true });
  if (info.isSymbolicLink()) {
    const target = await readlink(src);
    await symlink(target, dest).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    });
    const next = isAbsolute(target) ? target.slice(1) : join(dirname(rel), target);
    return [rel, ...(await copyChain(from, to, next, [...seen, rel]))];
  }
  await copyFile(src, dest);
  await chmod(dest, info.mode & 0o7777);
  return [rel];
}

async function findLib(root: string, soname: string): Promise<string> {
  for (const dir of LIB_DIRS) {
    const rel = join(dir, soname);
    if (await lstat(join(root, rel)).catch(() => undefined)) return rel;
  }
  throw new RootfsAssemblyFailed(
    soname,
    `node needs it but no unpacked package has it in ${LIB_DIRS.join(' or ')}; add its package to BASE_PACKAGES`,
  );
}

/** Every folder under `dir` gets `mode` unless `keep` lists it (relative paths). */
async function normalizeDirs(dir: string, keep: readonly string[], mode = 0o755): Promise<void> {
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const path = join(entry.parentPath, entry.name);
    if (!keep.includes(relative(dir, path))) await chmod(path, mode);
  }
  await chmod(dir, mode);
}

const PASSWD = `root:x:0:0:root:/root:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
${NONROOT.name}:x:${NONROOT.uid}:${NONROOT.gid}:${NONROOT.name}:${NONROOT.home}:/sbin/nologin
`;
const GROUP = `root:x:0:
nobody:x:65534:
${NONROOT.name}:x:${NONROOT.gid}:
`;
// No NSS modules beyond glibc's built-in files and dns.
const NSSWITCH = `passwd: files
group: files
hosts: files dns
`;

/** The base layer: loader, shared objects, CAs, users, /tmp; checked with the packages' own loader. */
async function assembleBase(debRoot: string, base: string, nodeBinary: string, debs: readonly Deb[]) {
  const { stdout } = await run('ldd', [nodeBinary]);
  const { sonames, interpreter } = parseLdd(stdout);
  if (interpreter === undefined)
    throw new RootfsAssemblyFailed(nodeBinary, 'ldd names no dynamic loader; is it a dynamic ELF binary?');
  const sharedObjects: SharedObject[] = [
    { soname: interpreter, paths: await copyChain(debRoot, base, interpreter.slice(1)) },
  ];
  for (const soname of sonames)
    sharedObjects.push({ soname, paths: await copyChain(debRoot, base, await findLib(debRoot, soname)) });

  const mozilla = join(debRoot, 'usr/share/ca-certificates/mozilla');
  const certs = (await readdir(mozilla)).filter((f) => f.endsWith('.crt')).sort();
  if (certs.length === 0) throw new RootfsAssemblyFailed(mozilla, 'no certificates in ca-certificates');
  const bundle = join(base, CA_BUNDLE);
  await mkdir(dirname(bundle), { recursive: true });
  await writeFile(bundle, (await Promise.all(certs.map((c) => readFile(join(mozilla, c), 'utf8')))).join(''));
  await chmod(bundle, 0o644);

  for (const deb of debs) {
    const rel = `usr/share/doc/${deb.package}/copyright`;
    if ((await lstat(join(debRoot, rel)).catch(() => undefined))?.isFile())
      await copyChain(debRoot, base, rel);
  }
  for (const [rel, text] of [
    ['etc/passwd', PASSWD],
    ['etc/group', GROUP],
    ['etc/nsswitch.conf', NSSWITCH],
  ] as const) {
    await mkdir(dirname(join(base, rel)), { recursive: true });
    await writeFile(join(base, rel), text);
    await chmod(join(base, rel), 0o644);
  }
  const home = NONROOT.home.slice(1);
  await mkdir(join(base, home), { recursive: true });
  await mkdir(join(base, 'tmp'), { recursive: true });
  await normalizeDirs(base, [home, 'tmp']);
  await chmod(join(base, home), 0o700);
  await chmod(join(base, 'tmp'), 0o1777);

  // The packages' own loader resolves node's libraries from the base folder alone (no cache, no host path).
  const loader = join(base, `lib/${MULTIARCH}/ld-linux-x86-64.so.2`);
  const libraryPath = LIB_DIRS.map((d) => join(base, d)).join(':');
  const listed = await run(loader, ['--inhibit-cache', '--library-path', libraryPath, '--list', nodeBinary]);
  for (const line of listed.stdout.split('\n')) {
    const resolved = /=> (\S+)/.exec(line)?.[1];
    if (resolved !== undefined && !resolved.startsWith(`${base}/`))
      throw new RootfsAssemblyFailed(
        resolved,
        `node resolved ${line.trim()} outside the base layer; add its package to BASE_PACKAGES`,
      );
  }
  return { sharedObjects, owners: { [home]: [NONROOT.uid, NONROOT.gid] as const } };
}

/**
 * The file npm's `node` package really runs: node_modules/.bin/node is a symlink to node/bin/node, a
 * hard link to node/node_modules/node-<platform>-<arch>/bin/node, the package that also holds LICENSE.
 */
export async function realNodeBinary(nodeBinary: string): Promise<string> {
  const real = await realpath(nodeBinary);
  const platformPackage = join(
    dirname(dirname(real)),
    'node_modules',
    `node-${process.platform}-${process.arch}`,
    'bin',
    'node',
  );
  const [a, b] = await Promise.all([stat(real), stat(platformPackage).catch(() => undefined)]);
  return a.ino === b?.ino && a.dev === b.dev ? platformPackage : real;
}

/**
 * Node's LICENSE: beside the binary in npm's node-<platform>-<arch> package, or (when a later `npm
 * install` pruned that package but kept the binary) from the same package fetched with `npm pack`
 * once and cached in ~/.cache/zeroloop/node-license-<version>/.
 */
async function nodeLicense(real: string, version: string): Promise<string> {
  const beside = join(dirname(dirname(real)), 'LICENSE');
  if ((await stat(beside).catch(() => undefined))?.isFile()) return beside;
  const cached = join(defaultCacheRoot(), `node-license-${version}`, 'LICENSE');
  if ((await stat(cached).catch(() => undefined))?.isFile()) return cached;
  const spec = `node-${process.platform}-${process.arch}@${version.replace(/^v/, '')}`;
  const tmp = await mkdtemp(join(tmpdir(), 'zl-node-license-'));
  try {
    const { stdout } = await run('npm', ['pack', spec, '--silent'], { cwd: tmp });
    await run('tar', ['-xzf', join(tmp, stdout.trim()), '-C', tmp, 'package/LICENSE']);
    await mkdir(dirname(cached), { recursive: true });
    await copyFile(join(tmp, 'package', 'LICENSE'), cached);
    return cached;
  } catch (error) {
    throw new RootfsAssemblyFailed(
      beside,
      `Node's license is neither beside its binary nor in npm's ${spec} (${String(error)}); run \`npm install\` again`,
    );
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** The node layer: the binary (a real file, not npm's symlink) at NODE_PATH, and Node's license. */
async function assembleNode(nodeBinary: string, dir: string): Promise<string> {
  const real = await realNodeBinary(nodeBinary);
  const { stdout } = await run(real, ['--version']);
  const dest = join(dir, NODE_PATH.slice(1));
  await mkdir(dirname(dest), { recursive: true });
  await copyFile(real, dest);
  await chmod(dest, 0o755);
  // Node's license ships with its binary (the official images keep it too, at /usr/local/LICENSE).
  const to = join(dir, NODE_LICENSE.slice(1));
  await mkdir(dirname(to), { recursive: true });
  await copyFile(await nodeLicense(real, stdout.trim()), to);
  await chmod(to, 0o644);
  await normalizeDirs(dir, []);
  return stdout.trim();
}

/** The app layer: deploy/image-tree.ts's tree at WORKDIR, read-only files. */
async function assembleApp(dir: string): Promise<ImageFile[]> {
  const files = await buildImageTree(join(dir, WORKDIR.slice(1)));
  for (const f of files) await chmod(join(dir, WORKDIR.slice(1), f.path), 0o644);
  await normalizeDirs(dir, []);
  return files;
}

/** Lays out base/, node/ and app/ under `staging` (which must be empty or absent). */
export async function assembleLayers(options: {
  staging: string;
  debRoot: string;
  debs: readonly Deb[];
  nodeBinary: string;
}): Promise<LayerDirs> {
  const base = join(options.staging, 'base');
  const node = join(options.staging, 'node');
  const app = join(options.staging, 'app');
  for (const d of [base, node, app]) await mkdir(d, { recursive: true });
  const real = await realNodeBinary(options.nodeBinary);
  const { sharedObjects, owners } = await assembleBase(options.debRoot, base, real, options.debs);
  const nodeVersion = await assembleNode(real, node);
  const appFiles = await assembleApp(app);
  return { base, node, app, owners, sharedObjects, appFiles, nodeVersion };
}
