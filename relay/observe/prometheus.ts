// The relay's metric types over prom-client: Counter, Gauge and Histogram, the Registry that renders them, and the process's own metrics.
import type { CounterConfiguration, GaugeConfiguration, HistogramConfiguration } from 'prom-client';
import * as prom from 'prom-client';

export type Labels = Record<string, string>;

/** What the relay's metric classes have in common: a name and the prom-client metric behind it. */
interface Metric {
  readonly name: string;
  readonly metric: prom.Metric;
}

/** Sum of the values of a prom-client metric's series whose labels include `labels`, from its `get()`. */
async function valueOf(metric: prom.Metric, labels: Labels, suffix = ''): Promise<number> {
  // A histogram's values carry the series name (`_bucket`, `_sum`, `_count`).
  const values: readonly (prom.MetricValue<string> & { metricName?: string })[] = (await metric.get()).values;
  return values
    .filter((v) => (suffix === '' || v.metricName?.endsWith(suffix) === true) && matches(v.labels, labels))
    .reduce((sum, v) => sum + v.value, 0);
}

function matches(have: Partial<Record<string, string | number>>, want: Labels): boolean {
  return Object.entries(want).every(([k, v]) => String(have[k]) === v);
}

export class Counter implements Metric {
  readonly name: string;
  readonly metric: prom.Counter;

  constructor(name: string, help: string, labelNames: readonly string[] = []) {
    this.name = name;
    const config: CounterConfiguration<string> = { name, help, labelNames, registers: [] };
    this.metric = new prom.Counter(config);
  }

  inc(labels: Labels = {}, by = 1): void {
    if (by < 0) throw new Error(`counter ${this.name} cannot decrease`);
    this.metric.inc(labels, by);
  }

  /** The value of one series (tests; a scrape reads the registry). */
  get(labels: Labels = {}): Promise<number> {
    return valueOf(this.metric, labels);
  }
}

export class Gauge implements Metric {
  readonly name: string;
  readonly metric: prom.Gauge;

  /** `collect` runs at each scrape, before the gauge is read (values computed then, not kept current by a timer). */
  constructor(name: string, help: string, labelNames: readonly string[] = [], collect?: (g: Gauge) => void) {
    this.name = name;
    const config: GaugeConfiguration<string> = { name, help, labelNames, registers: [] };
    if (collect)
      config.collect = () => {
        collect(this);
      };
    this.metric = new prom.Gauge(config);
  }

  set(labels: Labels, value: number): void {
    this.metric.set(labels, value);
  }

  inc(labels: Labels = {}, by = 1): void {
    this.metric.inc(labels, by);
  }

  dec(labels: Labels = {}, by = 1): void {
    this.metric.dec(labels, by);
  }

  get(labels: Labels = {}): Promise<number> {
    return valueOf(this.metric, labels);
  }

  /** Drops one series (for example when a controller stops). */
  remove(labels: Labels): void {
    this.metric.remove(labels);
  }
}

export class Histogram implements Metric {
  readonly name: string;
  readonly metric: prom.Histogram;

  constructor(name: string, help: string, labelNames: readonly string[], buckets: readonly number[]) {
    this.name = name;
    const config: HistogramConfiguration<string> = {
      name,
      help,
      labelNames,
      buckets: [...buckets],
      registers: [],
    };
    this.metric = new prom.Histogram(config);
  }

  observe(labels: Labels, value: number): void {
    this.metric.observe(labels, value);
  }

  /** Number of observations of one series. */
  count(labels: Labels = {}): Promise<number> {
    return valueOf(this.metric, labels, '_count');
  }

  remove(labels: Labels): void {
    this.metric.remove(labels);
  }
}

let processRegistry: prom.Registry | undefined;

/**
 * prom-client's default metrics (process_cpu_seconds_total, process_start_time_seconds, process_open_fds,
 * process_resident_memory_bytes, nodejs_eventloop_lag_*, nodejs_gc_duration_seconds, nodejs_heap_*, …),
 * collected once per process: several relays in one process (tests, `npm start`) share them.
 */
export function processMetrics(): prom.Registry {
  if (!processRegistry) {
    processRegistry = new prom.Registry();
    // The event-loop delay histogram samples every 20 ms (prom-client's default is 10 ms): half the
    // wake-ups of an idle relay, still resolving any lag worth an alert.
    prom.collectDefaultMetrics({ register: processRegistry, eventLoopMonitoringPrecision: 20 });
  }
  return processRegistry;
}

export class Registry {
  readonly #registry = new prom.Registry();
  readonly #names = new Set<string>();
  readonly #withProcess: boolean;

  /** `withProcess`: render the process's default metrics first (false: only what is registered here). */
  constructor(options: { withProcess?: boolean } = {}) {
    this.#withProcess = options.withProcess ?? true;
  }

  register<M extends Metric>(metric: M): M {
    if (this.#names.has(metric.name)) throw new Error(`metric ${metric.name} is registered twice`);
    this.#names.add(metric.name);
    this.#registry.registerMetric(metric.metric);
    return metric;
  }

  /** The Prometheus text exposition (format 0.0.4) of the process's metrics and these. */
  async render(): Promise<string> {
    const own = await this.#registry.metrics();
    if (!this.#withProcess) return own;
    const process = await processMetrics().metrics();
    return `${process.endsWith('\n') ? process : `${process}\n`}${own}`;
  }
}

/** Default duration buckets, in seconds: 1 ms to 30 s. */
export const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
