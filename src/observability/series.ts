/*
 * Prometheus metrics whose series are made once per label set and then only updated: a counter is
 * one addition, a histogram a bucket search and three. prom-client's own metrics validate and hash
 * the labels again on every update, which every served call would pay for. These are registered in
 * the same prom-client Registry, which renders them exactly like its own (it reads `get()`).
 */

type Value = { labels: Record<string, string | number>; value: number; metricName?: string };

abstract class SeriesMetric<L extends string, S extends { labels: Record<string, string> }> {
  abstract readonly type: string;
  readonly aggregator = "sum";
  protected readonly series = new Map<string, S>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly L[],
  ) {}

  protected seriesOf(labels: Record<L, string>, make: (own: Record<string, string>) => S): S {
    const key = this.labelNames.map((n) => labels[n]).join("\0");
    let s = this.series.get(key);
    if (!s) this.series.set(key, (s = make(Object.fromEntries(this.labelNames.map((n) => [n, labels[n]])))));
    return s;
  }

  protected abstract values(): Value[];

  get() {
    return { name: this.name, help: this.help, type: this.type, values: this.values(), aggregator: this.aggregator };
  }

  reset(): void {
    this.series.clear();
  }
}

interface ValueSeries {
  labels: Record<string, string>;
  value: number;
  inc(by?: number): void;
  dec(): void;
}

/** Counters and gauges: one number per series. */
abstract class ValueMetric<L extends string> extends SeriesMetric<L, ValueSeries> {
  protected valueSeries(labels: Record<L, string>): ValueSeries {
    return this.seriesOf(labels, (own) => ({
      labels: own,
      value: 0,
      inc(by = 1) {
        this.value += by;
      },
      dec() {
        this.value--;
      },
    }));
  }

  protected values(): Value[] {
    return [...this.series.values()].map((s) => ({ labels: s.labels, value: s.value }));
  }
}

export class SeriesCounter<L extends string> extends ValueMetric<L> {
  readonly type = "counter";

  /** The series of one label set; keep it and call `inc` on it. */
  labels(labels: Record<L, string>): { inc(by?: number): void } {
    return this.valueSeries(labels);
  }
}

export class SeriesGauge<L extends string> extends ValueMetric<L> {
  readonly type = "gauge";

  /** The series of one label set; keep it and call `inc`/`dec` on it. */
  labels(labels: Record<L, string>): { inc(): void; dec(): void } {
    return this.valueSeries(labels);
  }
}

export class SeriesHistogram<L extends string> extends SeriesMetric<L, HistogramSeries> {
  readonly type = "histogram";

  constructor(
    name: string,
    help: string,
    labelNames: readonly L[],
    private readonly buckets: readonly number[],
  ) {
    super(name, help, labelNames);
  }

  /** The series of one label set; keep it and call `observe` on it. */
  labels(labels: Record<L, string>): { observe(value: number): void } {
    return this.seriesOf(labels, (own) => {
      const counts = new Array<number>(this.buckets.length).fill(0);
      const buckets = this.buckets;
      return {
        labels: own,
        counts,
        sum: 0,
        count: 0,
        observe(value: number) {
          let i = 0;
          while (i < buckets.length && value > buckets[i]) i++;
          if (i < counts.length) counts[i]++;
          this.sum += value;
          this.count++;
        },
      };
    });
  }

  /** The shape prom-client's own Histogram gives: cumulative buckets, +Inf, sum and count. */
  protected values(): Value[] {
    const values: Value[] = [];
    for (const s of this.series.values()) {
      let cumulative = 0;
      this.buckets.forEach((le, i) => {
        cumulative += s.counts[i];
        values.push({ labels: { ...s.labels, le }, value: cumulative, metricName: `${this.name}_bucket` });
      });
      values.push({ labels: { ...s.labels, le: "+Inf" }, value: s.count, metricName: `${this.name}_bucket` });
      values.push({ labels: s.labels, value: s.sum, metricName: `${this.name}_sum` });
      values.push({ labels: s.labels, value: s.count, metricName: `${this.name}_count` });
    }
    return values;
  }
}

interface HistogramSeries {
  labels: Record<string, string>;
  counts: number[];
  sum: number;
  count: number;
  observe(value: number): void;
}
