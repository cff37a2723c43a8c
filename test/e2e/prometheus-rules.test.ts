// The alerting rules with the real promtool (built from Go modules): they check, every alert has a unit test that fires it, and a runbook section.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { load } from 'js-yaml';
import { z } from 'zod';
import type { PrometheusTools } from '../../deploy/prometheus/tool/build.ts';
import { ensurePrometheus, releaseOf } from '../../deploy/prometheus/tool/build.ts';
import { shortenedRules } from '../support/prometheus.ts';

const DIR = fileURLToPath(new URL('../../deploy/prometheus/', import.meta.url));
const RULES = join(DIR, 'zeroloop-rules.yaml');
const TESTS = join(DIR, 'zeroloop-rules.test.yaml');
const RUNBOOK = join(DIR, 'RUNBOOK.md');

const Rules = z.object({
  groups: z.array(
    z.object({
      rules: z.array(
        z.object({
          alert: z.string(),
          annotations: z.object({ summary: z.string(), description: z.string(), runbook_url: z.string() }),
          labels: z.object({ severity: z.enum(['critical', 'warning', 'info']) }),
        }),
      ),
    }),
  ),
});
const Tests = z.object({
  tests: z.array(
    z.object({
      alert_rule_test: z.array(z.object({ alertname: z.string(), exp_alerts: z.array(z.unknown()) })),
    }),
  ),
});

let tools: PrometheusTools;
before(async () => {
  // Built on first use (about 4 minutes on 2 cores), then cached in ~/.cache/zeroloop/prometheus-<version>-<hash>/.
  tools = await ensurePrometheus();
});

const run = (args: string[]) => promisify(execFile)(tools.promtool, args, { cwd: DIR });

test('promtool check rules accepts the rule file', async () => {
  const { stdout } = await run(['check', 'rules', RULES]);
  assert.match(stdout, /SUCCESS: \d+ rules found/);
});

test('promtool test rules passes the unit tests, and every alert has one that fires it', async () => {
  const { stdout } = await run(['test', 'rules', TESTS]);
  assert.match(stdout, /SUCCESS/);
  const alerts = Rules.parse(load(await readFile(RULES, 'utf8'))).groups.flatMap((g) =>
    g.rules.map((r) => r.alert),
  );
  const fired = new Set(
    Tests.parse(load(await readFile(TESTS, 'utf8')))
      .tests.flatMap((t) => t.alert_rule_test)
      .filter((t) => t.exp_alerts.length > 0)
      .map((t) => t.alertname),
  );
  assert.ok(alerts.length >= 8, `${String(alerts.length)} alerts`);
  for (const alert of alerts) assert.ok(fired.has(alert), `${alert} has a unit test in which it fires`);
});

test('every alert links its own section of RUNBOOK.md', async () => {
  const runbook = await readFile(RUNBOOK, 'utf8');
  const sections = new Set([...runbook.matchAll(/^## (\w+)$/gm)].map((m) => (m[1] ?? '').toLowerCase()));
  for (const rule of Rules.parse(load(await readFile(RULES, 'utf8'))).groups.flatMap((g) => g.rules)) {
    const url = new URL(rule.annotations.runbook_url);
    assert.ok(url.pathname.endsWith('/deploy/prometheus/RUNBOOK.md'), `${rule.alert}: ${url.pathname}`);
    assert.equal(url.hash, `#${rule.alert.toLowerCase()}`);
    assert.ok(sections.has(rule.alert.toLowerCase()), `RUNBOOK.md has a section ## ${rule.alert}`);
  }
});

test('promtool refuses a rule file with a bad expression, naming it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'zeroloop-rules-'));
  try {
    const bad = join(dir, 'bad.yaml');
    await writeFile(
      bad,
      'groups:\n  - name: bad\n    rules:\n      - alert: Broken\n        expr: rate(zeroloop_reconciles_total[5m]\n',
    );
    await assert.rejects(run(['check', 'rules', bad]), (error: { stdout?: string; stderr?: string }) => {
      assert.match(`${error.stdout ?? ''}${error.stderr ?? ''}`, /bad\.yaml/);
      return true;
    });
    // The e2e's shortened copy (every `for:` 2 s) is a valid rule file too.
    const short = join(dir, 'short.yaml');
    await writeFile(short, await shortenedRules('2s'));
    await run(['check', 'rules', short]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the prometheus build names the release of the pinned module', async () => {
  assert.equal(releaseOf('v0.316.0'), '3.16.0');
  assert.equal(releaseOf('v0.300.2'), '3.0.2');
  const { stdout } = await promisify(execFile)(tools.prometheus, ['--version']);
  assert.match(stdout, new RegExp(`^prometheus, version ${releaseOf(tools.version).replace(/\./g, '\\.')} `));
});
