// Unit tests of the relay's metrics: the Prometheus text prom-client renders for them, build info, workqueue and process metrics.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { PROTOCOL_VERSION, WIT_VERSION } from '../../src/protocol/version.ts';
import { FakeClock } from '../testing/fake-clock.ts';
import { RateLimitingQueue } from '../queue/rate-limited.ts';
import { initializeKindSeries, initializeReconcilerSeries, relayMetrics } from './metrics.ts';
import { Counter, Gauge, Histogram, Registry } from './prometheus.ts';

test('counter should render HELP, TYPE and one line per label set', async () => {
  const r = new Registry({ withProcess: false });
  const c = r.register(new Counter('x_total', 'Things.', ['reconciler', 'result']));
  c.inc({ reconciler: 'website', result: 'success' });
  c.inc({ reconciler: 'website', result: 'success' }, 2);
  c.inc({ reconciler: 'website', result: 'error' });
  assert.equal(
    await r.render(),
    '# HELP x_total Things.\n# TYPE x_total counter\n' +
      'x_total{reconciler="website",result="success"} 3\n' +
      'x_total{reconciler="website",result="error"} 1\n',
  );
  assert.equal(await c.get({ reconciler: 'website', result: 'success' }), 3);
  assert.equal(await c.get({ reconciler: 'website' }), 4);
  assert.throws(() => {
    c.inc({}, -1);
  }, /cannot decrease/);
});

test('labels should escape backslash, quote and newline', async () => {
  const r = new Registry({ withProcess: false });
  const g = r.register(new Gauge('g', 'G.', ['k']));
  g.set({ k: 'a"b\\c\nd' }, 1.5);
  assert.match(await r.render(), /^g\{k="a\\"b\\\\c\\nd"\} 1\.5$/m);
});

test('gauge should drop a removed series and read computed values at scrape', async () => {
  const r = new Registry({ withProcess: false });
  let n = 0;
  const g = r.register(
    new Gauge('computed', 'C.', ['k'], (self) => {
      self.set({ k: 'a' }, ++n);
    }),
  );
  g.set({ k: 'b' }, 7);
  g.remove({ k: 'b' });
  const text = await r.render();
  assert.match(text, /^computed\{k="a"\} 1$/m);
  assert.doesNotMatch(text, /k="b"/);
  assert.match(await r.render(), /^computed\{k="a"\} 2$/m);
});

test('histogram should render cumulative buckets, +Inf, sum and count', async () => {
  const r = new Registry({ withProcess: false });
  const h = r.register(new Histogram('d_seconds', 'D.', ['r'], [0.1, 1]));
  h.observe({ r: 'w' }, 0.05);
  h.observe({ r: 'w' }, 0.5);
  h.observe({ r: 'w' }, 5);
  assert.equal(
    await r.render(),
    '# HELP d_seconds D.\n# TYPE d_seconds histogram\n' +
      'd_seconds_bucket{le="0.1",r="w"} 1\n' +
      'd_seconds_bucket{le="1",r="w"} 2\n' +
      'd_seconds_bucket{le="+Inf",r="w"} 3\n' +
      'd_seconds_sum{r="w"} 5.55\n' +
      'd_seconds_count{r="w"} 3\n',
  );
  assert.equal(await h.count({ r: 'w' }), 3);
});

test('registry should refuse a metric name twice', () => {
  const r = new Registry({ withProcess: false });
  r.register(new Counter('a', 'A.'));
  assert.throws(() => r.register(new Counter('a', 'A.')), /twice/);
});

test('relay metrics should expose every zeroloop_ series relay/README.md documents', async () => {
  const m = relayMetrics(new Registry({ withProcess: false }));
  m.reconciles.inc({ reconciler: 'website', result: 'success' });
  const text = await m.registry.render();
  const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
  const documented = new Set([...readme.matchAll(/\bzeroloop_[a-z_]+[a-z]\b/g)].map((x) => x[0]));
  assert.ok(documented.size >= 20, `README names ${String(documented.size)} metrics`);
  for (const name of documented) assert.match(text, new RegExp(`^# TYPE ${name} `, 'm'), name);
  const exposed = [...text.matchAll(/^# TYPE (zeroloop_\w+) /gm)].map((x) => x[1] ?? '');
  for (const name of exposed)
    assert.ok(documented.has(name), `${name} is exposed but relay/README.md does not name it`);
  assert.match(text, /^zeroloop_reconciles_total\{reconciler="website",result="success"\} 1$/m);
});

test('relay metrics should state the build: version, protocol and WIT', async () => {
  const m = relayMetrics(new Registry({ withProcess: false }));
  const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  assert.match(
    await m.registry.render(),
    new RegExp(
      `^zeroloop_build_info\\{version="${pkg.version}",protocol="${String(PROTOCOL_VERSION)}",wit="${WIT_VERSION}"\\} 1$`,
      'm',
    ),
  );
});

test('relay metrics should include the process and runtime metrics of prom-client', async () => {
  const text = await relayMetrics().registry.render();
  for (const name of [
    'process_cpu_seconds_total',
    'process_start_time_seconds',
    'process_resident_memory_bytes',
    'process_open_fds',
    'nodejs_eventloop_lag_seconds',
    'nodejs_eventloop_lag_p99_seconds',
    'nodejs_gc_duration_seconds',
    'nodejs_heap_size_used_bytes',
    'nodejs_heap_size_total_bytes',
  ])
    assert.match(text, new RegExp(`^# TYPE ${name} `, 'm'), name);
  // Two relays in one process share one set of process metrics.
  assert.match(await relayMetrics().registry.render(), /^# TYPE process_cpu_seconds_total counter$/m);
});

test("relay metrics should feed client-go's workqueue series from a queue", async () => {
  const m = relayMetrics(new Registry({ withProcess: false }));
  const clock = new FakeClock();
  const q = new RateLimitingQueue({ clock, name: 'website', metricsProvider: m.workqueue });
  q.add('ns/a');
  q.add('ns/a');
  q.add('ns/b');
  await clock.advance(2000);
  const key = await q.get();
  assert.equal(key, 'ns/a');
  await clock.advance(3000);
  let text = await m.registry.render();
  assert.match(text, /^workqueue_depth\{name="website"\} 1$/m);
  assert.match(text, /^workqueue_adds_total\{name="website"\} 2$/m);
  assert.match(text, /^workqueue_queue_duration_seconds_sum\{name="website"\} 2$/m);
  assert.match(text, /^workqueue_unfinished_work_seconds\{name="website"\} 3$/m);
  assert.match(text, /^workqueue_longest_running_processor_seconds\{name="website"\} 3$/m);
  q.addRateLimited('ns/a');
  q.done('ns/a');
  text = await m.registry.render();
  assert.match(text, /^workqueue_retries_total\{name="website"\} 1$/m);
  assert.match(text, /^workqueue_work_duration_seconds_count\{name="website"\} 1$/m);
  assert.match(text, /^workqueue_work_duration_seconds_sum\{name="website"\} 3$/m);
  assert.match(text, /^workqueue_unfinished_work_seconds\{name="website"\} 0$/m);
  q.shutDown();
  assert.doesNotMatch(await m.registry.render(), /name="website"/);
});

test('a started Reconciler and a listed kind should have their series at 0, not absent', async () => {
  const m = relayMetrics(new Registry({ withProcess: false }));
  initializeReconcilerSeries(m, 'website');
  initializeKindSeries(m, 'v1/ConfigMap', ['closed', 'gone']);
  const text = await m.registry.render();
  for (const series of [
    'zeroloop_adoptions_refused_total{reconciler="website"} 0',
    'zeroloop_answer_limit_rejections_total{reconciler="website",limit="maxDesiredObjects"} 0',
    'zeroloop_events_dropped_total{reconciler="website",reason="rate_limited"} 0',
    'zeroloop_flapping_primaries{reconciler="website"} 0',
    'zeroloop_reconciles_total{reconciler="website",result="success"} 0',
    'zeroloop_watch_stalls_total{kind="v1/ConfigMap"} 0',
    'zeroloop_relists_total{kind="v1/ConfigMap"} 0',
    'zeroloop_watch_restarts_total{kind="v1/ConfigMap",reason="gone"} 0',
  ])
    assert.ok(text.includes(`\n${series}\n`), series);
  const q = new RateLimitingQueue({ name: 'website', metricsProvider: m.workqueue });
  const withQueue = await m.registry.render();
  assert.match(withQueue, /^workqueue_retries_total\{name="website"\} 0$/m);
  assert.match(withQueue, /^workqueue_queue_duration_seconds_count\{name="website"\} 0$/m);
  q.shutDown();
});
