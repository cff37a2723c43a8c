// Unit tests of the Prometheus text format: counters, gauges, histograms and label escaping.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Counter, Gauge, Histogram, Registry, relayMetrics } from './metrics.ts';

test('counter should render HELP, TYPE and one line per label set', () => {
  const r = new Registry();
  const c = r.register(new Counter('x_total', 'Things.', ['reconciler', 'result']));
  c.inc({ reconciler: 'website', result: 'success' });
  c.inc({ reconciler: 'website', result: 'success' }, 2);
  c.inc({ reconciler: 'website', result: 'error' });
  assert.equal(
    r.render(),
    '# HELP x_total Things.\n# TYPE x_total counter\n' +
      'x_total{reconciler="website",result="success"} 3\n' +
      'x_total{reconciler="website",result="error"} 1\n',
  );
  assert.equal(c.get({ reconciler: 'website', result: 'success' }), 3);
  assert.throws(() => {
    c.inc({}, -1);
  });
});

test('labels should escape backslash, quote and newline', () => {
  const g = new Gauge('g', 'G.', ['k']);
  g.set({ k: 'a"b\\c\nd' }, 1.5);
  assert.match(g.render(), /^g\{k="a\\"b\\\\c\\nd"\} 1\.5$/m);
});

test('histogram should render cumulative buckets, +Inf, sum and count', () => {
  const h = new Histogram('d_seconds', 'D.', ['r'], [0.1, 1]);
  h.observe({ r: 'w' }, 0.05);
  h.observe({ r: 'w' }, 0.5);
  h.observe({ r: 'w' }, 5);
  assert.equal(
    h.render(),
    '# HELP d_seconds D.\n# TYPE d_seconds histogram\n' +
      'd_seconds_bucket{r="w",le="0.1"} 1\n' +
      'd_seconds_bucket{r="w",le="1"} 2\n' +
      'd_seconds_bucket{r="w",le="+Inf"} 3\n' +
      'd_seconds_sum{r="w"} 5.55\n' +
      'd_seconds_count{r="w"} 3\n',
  );
  assert.equal(h.count({ r: 'w' }), 3);
});

test('registry should refuse a metric name twice', () => {
  const r = new Registry();
  r.register(new Counter('a', 'A.'));
  assert.throws(() => r.register(new Counter('a', 'A.')), /twice/);
});

test('relay metrics should expose the names the issue asks for', () => {
  const m = relayMetrics();
  m.reconciles.inc({ reconciler: 'website', result: 'success' });
  const text = m.registry.render();
  for (const name of [
    'zeroloop_reconciles_total',
    'zeroloop_reconcile_duration_seconds',
    'zeroloop_worker_request_duration_seconds',
    'zeroloop_worker_requests_total',
    'zeroloop_queue_depth',
    'zeroloop_watch_restarts_total',
    'zeroloop_relists_total',
    'zeroloop_apply_errors_total',
    'zeroloop_scope_rejections_total',
    'zeroloop_requeue_after_scheduled_total',
  ])
    assert.match(text, new RegExp(`# TYPE ${name} `));
  assert.match(text, /zeroloop_reconciles_total\{reconciler="website",result="success"\} 1/);
});
