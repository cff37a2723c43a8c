// e2e: npm start's live page in real headless Chromium (Debian's): a new Website's reconcile appears without a reload, opens to its request and answer, and a failure shows in place.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { ensureChromium, launchChromium } from '../support/chromium.ts';
import { sharedControlPlane } from '../support/cluster.ts';
import { eventually, TestKube } from '../support/kube.ts';
import { spawnNpmStart } from '../support/processes.ts';

const WEBSITE = { apiVersion: 'examples.zeroloop.dev/v1alpha1', kind: 'Website' } as const;
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Git-ignored: the screenshot is a test artifact, never committed. */
const ARTIFACTS = join(ROOT, 'test', 'artifacts');

test('the live page should show a new reconcile without a reload, its request and answer, and a failure in place', async (t) => {
  const installMs = await ensureChromium((line) => {
    t.diagnostic(line);
  });
  t.diagnostic(
    installMs > 0 ? `chromium installed in ${String(installMs)} ms` : 'chromium already installed',
  );
  const plane = await sharedControlPlane();
  const kube = new TestKube(plane.restConfig);
  const namespace = `zl-live-${randomBytes(3).toString('hex')}`;
  const logFile = join(tmpdir(), `${namespace}.log`);
  t.after(() =>
    Promise.all([
      rm(logFile, { force: true }),
      rm(join(tmpdir(), `${namespace}.worker.log`), { force: true }),
    ]),
  );
  // The same command a user types, in its own process group.
  const run = spawnNpmStart(['--namespace', namespace, '--log-file', logFile], {
    ...process.env,
    KUBECONFIG: plane.kubeconfigPath,
  });
  t.after(() => run.cleanup());
  const url = (
    await run.printed(
      'the live page URL among the printed URLs',
      /^ {2}live page: +(http:\/\/127\.0\.0\.1:\d+\/)$/m,
      180_000,
    )
  )[1];
  assert.ok(url !== undefined);

  const chromium = await launchChromium();
  t.after(() => chromium.close());
  const page = await chromium.context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  await page.goto(url);
  await page.locator('#connection[data-state="live"]').waitFor();
  // The demo's Reconciler, with its primaries (the samples).
  const reconciler = page.locator(`#reconcilers tr[data-name="${namespace}-website"]`);
  await reconciler.waitFor({ timeout: 60_000 });
  assert.equal(await reconciler.locator('td').nth(1).textContent(), 'Website');

  // Everything from here on must arrive on this same document: pushed, not reloaded.
  await page.evaluate(() => {
    (window as unknown as { sameDocument: boolean }).sameDocument = true;
  });
  await kube.create({
    ...WEBSITE,
    metadata: { name: 'live-demo', namespace },
    spec: { replicas: 1, html: '<h1>seen live</h1>' },
  });
  const row = page.locator(
    `#reconciles tr.reconcile[data-key="${namespace}/live-demo"][data-result="success"]`,
  );
  await row.first().waitFor({ timeout: 60_000 });

  // A Website whose name is no Service name (a DNS-1035 label starts with a letter): the apiserver refuses
  // the Service, and the relay's error text shows under the failed row.
  await kube.create({ ...WEBSITE, metadata: { name: '9broken', namespace }, spec: { replicas: 1 } });
  const failed = page.locator(`#reconciles tr.reconcile[data-key="${namespace}/9broken"]`).first();
  await failed.waitFor({ timeout: 60_000 });
  assert.equal(await failed.getAttribute('data-result'), 'apply_error');
  const id = await failed.getAttribute('data-id');
  const errorLine =
    (await page.locator(`#reconciles tr.error-line[data-for="${id ?? ''}"]`).textContent()) ?? '';
  const warning = await eventually('the Warning Event the relay recorded', async () =>
    (await kube.events(namespace, '9broken')).find((e) => e.type === 'Warning'),
  );
  assert.ok(
    errorLine.includes(warning.message),
    `the page shows the relay's error text in place:\n${errorLine}\nvs the Event:\n${warning.message}`,
  );
  assert.match(errorLine, /9broken/);

  // Open the new Website's first reconcile: its request, its answer, the children to create.
  await row.last().click();
  const detail = page.locator('#detail');
  await detail
    .locator('h3', { hasText: /^Answer/ })
    .first()
    .waitFor();
  const call = detail.locator('section.call').first();
  const request = (await call.locator('details.json').nth(0).textContent()) ?? '';
  const answer = (await call.locator('details.json').nth(1).textContent()) ?? '';
  assert.match(request, /primary:/);
  assert.match(request, /"live-demo"/);
  assert.match(request, /"<h1>seen live<\/h1>"/);
  assert.match(answer, /desired:/);
  assert.match(answer, /"Deployment"/);
  assert.match(answer, /"live-demo-html"/, 'the ConfigMap holding the html');
  const diff = (await call.textContent()) ?? '';
  assert.match(diff, new RegExp(`create Deployment ${namespace}/live-demo`));
  // Collapsible: a closed node opens on click.
  const primary = call.locator('details.json').nth(0).locator('details').first();
  assert.equal(await primary.evaluate((d) => (d as HTMLDetailsElement).open), false);
  await primary.locator('summary').first().click();
  assert.equal(await primary.evaluate((d) => (d as HTMLDetailsElement).open), true);

  assert.equal(
    await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument),
    true,
    'the page was not reloaded',
  );
  assert.deepEqual(problems, []);
  await mkdir(ARTIFACTS, { recursive: true });
  const screenshot = join(ARTIFACTS, 'live-page.png');
  await page.screenshot({ path: screenshot, fullPage: true });
  t.diagnostic(`screenshot: ${screenshot}`);

  // The failure opened: its error, and the Warning Event the relay recorded for it.
  await failed.click();
  await detail.locator('.error').waitFor();
  assert.equal(await detail.locator('.error').textContent(), errorLine);
  const events = (await detail.locator('ul.events').textContent()) ?? '';
  assert.ok(events.includes(`Warning ${warning.reason}: ${warning.message}`), events);
  const failureShot = join(ARTIFACTS, 'live-page-failure.png');
  await page.screenshot({ path: failureShot });
  t.diagnostic(`screenshot: ${failureShot}`);

  assert.deepEqual(await run.interrupt(), { code: 0, signal: null }, run.stderr());
});
