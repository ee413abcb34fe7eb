/**
 * The local traces of the control port (`/traces`): the last N finished traces, newest first, in a
 * ring buffer of `observability.traces.local.buffer-size` entries. Shaped as the reference engine
 * shapes them.
 */
export interface SpanSummary {
  spanId: string;
  parentSpanId?: string;
  name: string;
  /** SERVER, CLIENT, INTERNAL, PRODUCER or CONSUMER. */
  kind: string;
  durationMs: number;
  /** OK or ERROR. */
  status: string;
}

export interface TraceSummary {
  traceId: string;
  /** The root span's name: the operation the trace is about. */
  operation: string;
  durationMs: number;
  status: string;
  /** When the root span started, ISO 8601. */
  timestamp: string;
  spans: SpanSummary[];
}

export const DEFAULT_BUFFER_SIZE = 100;

export class TraceBuffer {
  private readonly entries: Array<TraceSummary | undefined>;
  private head = 0;
  private used = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`trace buffer size must be a positive integer, not ${capacity}`);
    this.entries = new Array<TraceSummary | undefined>(capacity);
  }

  get size(): number {
    return this.used;
  }

  add(trace: TraceSummary): void {
    this.entries[this.head] = trace;
    this.head = (this.head + 1) % this.capacity;
    if (this.used < this.capacity) this.used++;
  }

  /** Newest first. */
  all(): TraceSummary[] {
    const out: TraceSummary[] = [];
    for (let i = 1; i <= this.used; i++) out.push(this.entries[(this.head - i + this.capacity) % this.capacity]!);
    return out;
  }

  find(traceId: string): TraceSummary | undefined {
    return this.all().find((t) => t.traceId === traceId);
  }
}
