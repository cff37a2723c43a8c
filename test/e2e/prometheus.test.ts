// E2e: a real Prometheus (built from Go modules) scrapes a real relay while Websites converge: every dashboard panel's query returns data, and the worker-unreachable alert fires and resolves.
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { PROTOCOL_VERSION, WIT_VERSION } from '../../src/protocol/version.ts';
import { eventually } from '../support/kube.ts';
import type { Prometheus, Sample } from '../support/prometheus.ts';
import { shortenedRules, startPrometheus } from '../support/prometheus.ts';
import type { RelayEnv } from '../support/relay-env.ts';
import {
  CONFIGMAP,
  reconcilerManifest,
  startRelayEnv,
  WEBSITE,
  WEBSITE_RECONCILER,
} from '../support/relay-env.ts';
import { burstNames, createWebsites, waitConverged } from '../support/websites.ts';

const DASHBOARD = new URL('../../deploy/grafana/zeroloop-relay.json', import.meta.url);
const ARTIFACT = new URL('../artifacts/dashboard-panels.md', import.meta.url);
/** Grafana's variables as a dashboard with "All" selected and a 1 s scrape interval would expand them. */
const VARIABLES: Record<string, string> = { __rate_interval: '1m', reconciler: '.*', job: '.*' };

const Dashboard = z.object({
  panels: z.array(
    z.object({
      type: z.string(),
      title: z.string(),
      datasource: z.object({ uid: z.string() }).optional(),
      targets: z.array(z.object({ expr: z.string(), legendFormat: z.string().optional() })).optional(),
    }),
  ),
});

/** `$name` and `${name}` replaced by VARIABLES; throws on a variable the test does not know. */
function expand(expr: string): string {
  return expr.replace(/\$\{?(\w+)\}?/g, (_, name: string) => {
    const value = VARIABLES[name];
    if (value === undefined) throw new Error(`unknown dashboard variable $${name} in ${expr}`);
    return value;
  });
}

let env: RelayEnv;
let prometheus: Prometheus;
let website: string;
let limited: string;
let unsigned: string;

before(async () => {
  env = await startRelayEnv({ name: 'prometheus', reconcilers: [WEBSITE_RECONCILER] });
  website = `${env.namespace}-website`;
  // Events for the panels that are empty on a healthy relay: a second Reconciler of Websites whose answers
  // exceed its maxDesiredObjects (limits hit, reconcile errors), one whose signing Secret does not exist
  // (Ready=False, an apiserver 404, the Manager's queue retrying), and an object the relay must not adopt.
  const base = reconcilerManifest(WEBSITE_RECONCILER, env.namespace, env.proxy.url);
  limited = `${env.namespace}-limited`;
  unsigned = `${env.namespace}-unsigned`;
  await env.kube.apply({
    ...base,
    metadata: { ...base.metadata, name: limited },
    spec: { ...base.spec, limits: { maxDesiredObjects: 1 } },
  });
  await env.kube.apply({
    ...base,
    metadata: { ...base.metadata, name: unsigned },
    spec: { ...base.spec, signingSecretRef: { ...base.spec.signingSecretRef, name: 'no-such-secret' } },
  });
  await env.kube.create({
    ...CONFIGMAP,
    metadata: { name: 'taken-html', namespace: env.namespace },
    data: {},
  });
  const target = new URL(env.relay.url ?? '').host;
  prometheus = await startPrometheus({ target, rules: await shortenedRules('2s') });
});
after(async () => {
  await prometheus.close();
  for (const name of [limited, unsigned])
    await env.kube.delete('zeroloop.dev/v1alpha1', 'Reconciler', undefined, name);
  await env.stop();
});

test('every dashboard panel query returns data from a relay whose Websites converge', async () => {
  const names = burstNames('site', 5);
  await createWebsites(env.kube, env.namespace, [...names, 'taken']);
  await waitConverged(env.kube, env.namespace, names, 60_000);
  // Every series exists from its controller's start (at 0), so a minute-long rate has its samples; wait until
  // the events have been scraped, then two more scrapes.
  await eventually(
    'Prometheus to see the refused adoption and the limit hit',
    async () => {
      const adoption = await prometheus.query(
        `zeroloop_adoptions_refused_total{reconciler="${website}"} > 0`,
      );
      const limit = await prometheus.query(
        `zeroloop_answer_limit_rejections_total{reconciler="${limited}",limit="maxDesiredObjects"} > 0`,
      );
      return adoption.length > 0 && limit.length > 0 ? true : undefined;
    },
    60_000,
  );
  // The relay runs in this process: garbage here makes a GC happen, whose series (by kind) exist only after one.
  let chunk: number[][] = [];
  for (let i = 0; i < 2_000_000; i++) {
    chunk.push([i]);
    if (chunk.length === 10_000) chunk = [];
  }
  await sleep(2500);
  const dashboard = Dashboard.parse(JSON.parse(await readFile(DASHBOARD, 'utf8')));
  const panels = dashboard.panels.filter((p) => p.type !== 'row');
  const report: string[] = [
    '# Dashboard panels against a real relay',
    '',
    `Generated by test/e2e/prometheus.test.ts on ${new Date().toISOString()}: each query of deploy/grafana/zeroloop-relay.json`,
    `with ${Object.entries(VARIABLES)
      .map(([k, v]) => `$${k}=${v}`)
      .join(', ')}, run by Prometheus against a relay on the local control plane (5 Websites converged,`,
    'one refused adoption, a Reconciler over its maxDesiredObjects, one without its signing Secret).',
    '',
  ];
  const results = new Map<string, Sample[]>();
  for (const panel of panels) {
    assert.equal(panel.datasource?.uid, '${datasource}', `panel ${panel.title} uses the datasource variable`);
    const targets = panel.targets ?? [];
    assert.ok(targets.length > 0, `panel ${panel.title} has a query`);
    report.push(`## ${panel.title}`, '');
    for (const target of targets) {
      const expr = expand(target.expr);
      const samples = await prometheus.query(expr);
      results.set(target.expr, samples);
      assert.ok(samples.length > 0, `panel "${panel.title}": ${expr} returned no series`);
      report.push('`' + expr + '`', '', '| series | value |', '| --- | --- |');
      for (const s of samples.slice(0, 12)) {
        const labels = Object.entries(s.metric)
          .map(([k, v]) => `${k}="${v}"`)
          .join(', ');
        report.push(`| ${labels.replace(/\|/g, '\\|') || '{}'} | ${s.value[1]} |`);
      }
      if (samples.length > 12) report.push(`| … ${String(samples.length - 12)} more | |`);
      report.push('');
    }
  }
  await mkdir(new URL('.', ARTIFACT), { recursive: true });
  await writeFile(ARTIFACT, report.join('\n'));

  // Panels that a converging relay moves show it: a positive, finite value in at least one series.
  const moving = new Map(panels.map((p) => [p.title, p.targets?.[0]?.expr ?? '']));
  for (const title of [
    'Reconciles by result',
    'Reconcile latency',
    'Phase latency (p99)',
    'Worker requests by outcome',
    'Worker latency',
    'Queue wait (p99)',
    'Queue adds and retries',
    'Open watches',
    'Apiserver errors',
    'Adoptions refused and ownership stripped',
    'Limits hit',
    'Memory',
    'CPU',
  ]) {
    const samples = results.get(moving.get(title) ?? '') ?? [];
    assert.ok(
      samples.some((x) => Number.isFinite(Number(x.value[1])) && Number(x.value[1]) > 0),
      `panel "${title}" shows a positive value: ${JSON.stringify(samples.map((x) => x.value[1]))}`,
    );
  }
  // What the events made happen, read back through Prometheus.
  const value = async (expr: string) => Number((await prometheus.query(expr))[0]?.value[1] ?? NaN);
  assert.ok((await value(`sum(zeroloop_reconciles_total{reconciler="${website}",result="success"})`)) >= 6);
  assert.ok(
    (await value(`sum(zeroloop_reconciles_total{reconciler="${limited}",result="limit_exceeded"})`)) > 0,
  );
  assert.ok((await value(`sum(zeroloop_adoptions_refused_total{reconciler="${website}"})`)) >= 1);
  assert.ok((await value('sum(zeroloop_apiserver_errors_total{verb="GET",code="4xx"})')) >= 1);
  assert.equal(
    await value(`zeroloop_reconciler_ready{reconciler="${unsigned}",reason="SigningSecretUnavailable"}`),
    0,
  );
  assert.equal(await value(`zeroloop_reconciler_ready{reconciler="${website}",reason="Running"}`), 1);
  assert.ok((await value('sum(workqueue_retries_total{name="manager/Reconciler"})')) >= 1);
  assert.ok((await value(`sum(workqueue_adds_total{name="${website}"})`)) >= 6);
  const build = (await prometheus.query('zeroloop_build_info')).at(0)?.metric;
  assert.deepEqual(
    { protocol: build?.protocol, wit: build?.wit },
    { protocol: String(PROTOCOL_VERSION), wit: WIT_VERSION },
  );
  // Series a healthy run never moves exist at 0 (initialized), so their panels read 0, not "no data".
  for (const series of [
    `zeroloop_flapping_primaries{reconciler="${website}"}`,
    'zeroloop_watch_stalls_total',
    'zeroloop_leader_transitions_total',
    `zeroloop_events_dropped_total{reconciler="${website}"}`,
  ]) {
    const samples = await prometheus.query(series);
    assert.ok(samples.length > 0, `${series} exists`);
    assert.deepEqual([...new Set(samples.map((x) => x.value[1]))], ['0'], `${series} is 0`);
  }
  console.log(
    `prometheus: ${String(panels.length)} panels, ${String(results.size)} queries, each returned data (report: test/artifacts/dashboard-panels.md)`,
  );
});

test('stopping the worker fires ZeroloopWorkerUnreachable; bringing it back resolves it', async () => {
  const firing = (state: string) => async () => {
    const alerts = await prometheus.alerts();
    return alerts.find(
      (a) =>
        a.labels.alertname === 'ZeroloopWorkerUnreachable' &&
        a.labels.reconciler === website &&
        a.state === state,
    );
  };
  // The Reconciler without a Secret has been Ready=False since the start.
  const notReady = await eventually('ZeroloopReconcilerNotReady to fire', async () =>
    (await prometheus.alerts()).find(
      (a) =>
        a.labels.alertname === 'ZeroloopReconcilerNotReady' &&
        a.labels.reconciler === unsigned &&
        a.state === 'firing',
    ),
  );
  assert.equal(notReady.labels.reason, 'SigningSecretUnavailable');
  assert.equal(await firing('firing')(), undefined, 'not firing while the worker answers');
  await env.proxy.down();
  const downAt = Date.now();
  // A change makes the relay call the worker, which closes its gate.
  await env.kube.patch(WEBSITE.apiVersion, WEBSITE.kind, env.namespace, 'site-000', {
    spec: { replicas: 2 },
  });
  const alert = await eventually('ZeroloopWorkerUnreachable to fire', firing('firing'), 60_000);
  const firedAfterMs = Date.now() - downAt;
  assert.match(alert.annotations.runbook_url ?? '', /RUNBOOK\.md#zeroloopworkerunreachable$/);
  assert.match(alert.annotations.summary ?? '', new RegExp(`Reconciler ${website} cannot reach its worker`));
  await env.proxy.up();
  const upAt = Date.now();
  await eventually(
    'ZeroloopWorkerUnreachable to resolve',
    async () =>
      (await firing('firing')()) === undefined && (await firing('pending')()) === undefined
        ? true
        : undefined,
    60_000,
  );
  const resolvedAfterMs = Date.now() - upAt;
  await waitConverged(env.kube, env.namespace, ['site-000'], 30_000);
  console.log(
    `prometheus: ZeroloopWorkerUnreachable fired ${String(firedAfterMs)} ms after the worker went away (for: 2s, scrape and evaluation every 1 s) and resolved ${String(resolvedAfterMs)} ms after it came back`,
  );
});
