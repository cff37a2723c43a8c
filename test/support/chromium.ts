// Browser tests' Chromium: Debian's `chromium` package, installed with apt-get when missing, driven by playwright-core.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { BrowserContext } from 'playwright-core';
import { withDirLock } from '../../cluster/lock.ts';

/** Where Debian's package puts the browser. Playwright's own browser download does not work on these machines. */
export const CHROMIUM = '/usr/bin/chromium';

/** Chromium is missing and could not be installed: the message says what to run. */
export class ChromiumUnavailable extends Error {
  override readonly name = 'ChromiumUnavailable';
}

/** Flags for a quiet, offline, throwaway headless browser (no sandbox: tests run as root on CI); the profile is a fresh temp dir. */
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Installs Debian's `chromium` (apt-get update, then install) unless `CHROMIUM` exists; one installer
 * at a time across processes. Returns how long the install took, or 0 when it was already there.
 */
export async function ensureChromium(progress: (line: string) => void = () => undefined): Promise<number> {
  if (existsSync(CHROMIUM)) return 0;
  if (process.getuid?.() !== 0) {
    throw new ChromiumUnavailable(
      `${CHROMIUM} is missing and this process is not root, so it cannot install it; run: sudo apt-get update && sudo apt-get install -y chromium`,
    );
  }
  const cache = join(homedir(), '.cache', 'zeroloop');
  await mkdir(cache, { recursive: true });
  return withDirLock(
    join(cache, 'chromium-install.lock'),
    async () => {
      if (existsSync(CHROMIUM)) return 0;
      const started = Date.now();
      progress('chromium: apt-get update…');
      await aptGet(['update'], progress);
      progress('chromium: apt-get install -y chromium (about 100 MB)…');
      await aptGet(['install', '-y', '--no-install-recommends', 'chromium'], progress);
      if (!existsSync(CHROMIUM))
        throw new ChromiumUnavailable(`apt-get installed chromium but ${CHROMIUM} is still missing`);
      const ms = Date.now() - started;
      progress(`chromium: installed in ${String(ms)} ms`);
      return ms;
    },
    (owner) => {
      progress(`chromium: waiting for pid ${String(owner)}, which is installing it…`);
    },
    5_000,
  );
}

/** Runs apt-get non-interactively, waiting up to 10 min for another apt's lock; progress gets its last lines. */
function aptGet(args: readonly string[], progress: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('apt-get', ['-o', 'DPkg::Lock::Timeout=600', '-q', ...args], {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let tail = '';
    const keep = (chunk: Buffer): void => {
      tail = (tail + chunk.toString('utf8')).slice(-4000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const ticker = setInterval(() => {
      const last = tail.trimEnd().split('\n').at(-1);
      if (last !== undefined && last !== '') progress(`chromium: ${last}`);
    }, 15_000);
    child.once('error', (error) => {
      clearInterval(ticker);
      reject(new ChromiumUnavailable(`could not run apt-get: ${error.message}`));
    });
    child.once('exit', (code) => {
      clearInterval(ticker);
      if (code === 0) resolve();
      else
        reject(
          new ChromiumUnavailable(
            `apt-get ${args.join(' ')} exited ${String(code)}; install it by hand: apt-get install -y chromium\n${tail}`,
          ),
        );
    });
  });
}

/** A headless Chromium with a fresh profile directory (removed again by `close`), as one browser context. */
export async function launchChromium(): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  const profile = await mkdtemp(join(tmpdir(), 'zeroloop-chromium-'));
  // Playwright passes the profile as --user-data-dir itself, and refuses it among `args`.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: FLAGS,
    headless: true,
    chromiumSandbox: false,
    viewport: { width: 1400, height: 1000 },
  });
  return {
    context,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
