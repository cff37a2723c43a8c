// A real Prometheus server for e2e tests: on loopback, a temporary data dir, a given scrape target and rule file; its HTTP API.
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { dump, load } from 'js-yaml';
import { z } from 'zod';
import { ensurePrometheus } from '../../deploy/prometheus/tool/build.ts';
import { freeLoopbackPort } from '../../relay/testing/scripted-http.ts';

export const RULES_FILE = new URL('../../deploy/prometheus/zeroloop-rules.yaml', import.meta.url);

const RuleFile = z.object({
  groups: z.array(
    z.looseObject({ name: z.string(), rules: z.array(z.looseObject({ for: z.string().optional() })) }),
  ),
});

/** The repository's rule file with every `for:` shortened to `forDuration` (an e2e cannot wait minutes). */
export async function shortenedRules(forDuration: string): Promise<string> {
  const rules = RuleFile.parse(load(await readFile(RULES_FILE, 'utf8')));
  for (const group of rules.groups)
    for (const rule of group.rules) if (rule.for !== undefined) rule.for = forDuration;
  return dump(rules, { lineWidth: -1 });
}

const Vector = z.object({
  status: z.literal('success'),
  data: z.object({
    resultType: z.string(),
    result: z.array(
      z.object({ metric: z.record(z.string(), z.string()), value: z.tuple([z.number(), z.string()]) }),
    ),
  }),
});
export type Sample = z.infer<typeof Vector>['data']['result'][number];

const Alerts = z.object({
  status: z.literal('success'),
  data: z.object({
    alerts: z.array(
      z.object({
        labels: z.record(z.string(), z.string()),
        state: z.string(),
        annotations: z.record(z.string(), z.string()),
      }),
    ),
  }),
});
export type Alert = z.infer<typeof Alerts>['data']['alerts'][number];

export interface Prometheus {
  readonly url: string;
  readonly logs: string[];
  /** An instant query; rejects with Prometheus' error text on a bad expression. */
  query(expr: string): Promise<Sample[]>;
  /** Active alerts (pending and firing). */
  alerts(): Promise<Alert[]>;
  close(): Promise<void>;
}

/** Starts Prometheus (built from Go modules on first use) scraping `target` (host:port) every `scrapeInterval`. */
export async function startPrometheus(options: {
  target: string;
  rules: string;
  scrapeInterval?: string;
}): Promise<Prometheus> {
  const tools = await ensurePrometheus();
  const dir = await mkdtemp(join(tmpdir(), 'zeroloop-prometheus-'));
  const interval = options.scrapeInterval ?? '1s';
  await writeFile(join(dir, 'rules.yaml'), options.rules);
  await writeFile(
    join(dir, 'prometheus.yml'),
    dump({
      global: { scrape_interval: interval, evaluation_interval: interval },
      rule_files: [join(dir, 'rules.yaml')],
      scrape_configs: [{ job_name: 'zeroloop-relay', static_configs: [{ targets: [options.target] }] }],
    }),
  );
  const port = await freeLoopbackPort();
  const url = `http://127.0.0.1:${String(port)}`;
  const logs: string[] = [];
  const child: ChildProcess = spawn(
    tools.prometheus,
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${String(port)}`,
      '--log.level=warn',
    ],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  for (const stream of [child.stdout, child.stderr])
    stream?.setEncoding('utf8').on('data', (c: string) => logs.push(c));
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      resolve();
    }),
  );
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`prometheus exited (${String(child.exitCode)}): ${logs.join('')}`);
    const ready = await fetch(`${url}/-/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) throw new Error(`prometheus not ready after 30 s: ${logs.join('')}`);
    await sleep(100);
  }
  const api = async (path: string, params: Record<string, string> = {}): Promise<unknown> => {
    const response = await fetch(`${url}${path}?${new URLSearchParams(params).toString()}`);
    const body: unknown = await response.json();
    if (!response.ok)
      throw new Error(`prometheus ${path} ${JSON.stringify(params)}: ${JSON.stringify(body)}`);
    return body;
  };
  const query = async (expr: string) => Vector.parse(await api('/api/v1/query', { query: expr })).data.result;
  // Prometheus hands its targets to the scrape manager a few seconds after start: until the first scrape,
  // a test's events would be seen only as the first sample, and no rate() would show them.
  for (;;) {
    if ((await query('up == 1')).length > 0) break;
    if (Date.now() > deadline) throw new Error(`prometheus scraped nothing after 30 s: ${logs.join('')}`);
    await sleep(200);
  }
  return {
    url,
    logs,
    query,
    alerts: async () => Alerts.parse(await api('/api/v1/alerts')).data.alerts,
    close: async () => {
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(10_000)]);
      if (child.exitCode === null) child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    },
  };
}
