import { isSpanContextValid, SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { hrTimeToMilliseconds } from "@opentelemetry/core";
import type { ReadableSpan, SpanProcessor } from "@opentelemetry/sdk-trace";
import type { SpanSummary, TraceBuffer, TraceSummary } from "./trace-buffer.js";

/** Traces whose root span has not ended yet; beyond this many the oldest is dropped (a leak guard). */
const MAX_PENDING = 1000;

/**
 * Collects the finished spans of each trace and, when its root span ends (no parent, or a parent
 * in the caller's process), files the whole trace in the buffer of local traces.
 */
export class TraceCapture implements SpanProcessor {
  private readonly pending = new Map<string, ReadableSpan[]>();

  constructor(private readonly buffer: TraceBuffer) {}

  onStart(): void {}

  onEnd(span: ReadableSpan): void {
    const traceId = span.spanContext().traceId;
    let spans = this.pending.get(traceId);
    if (!spans) {
      if (this.pending.size >= MAX_PENDING) this.pending.delete(this.pending.keys().next().value!);
      this.pending.set(traceId, (spans = []));
    }
    spans.push(span);
    const parent = span.parentSpanContext;
    if (parent && isSpanContextValid(parent) && !parent.isRemote) return;
    this.pending.delete(traceId);
    this.buffer.add(summary(traceId, span, spans));
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    this.pending.clear();
    return Promise.resolve();
  }
}

function summary(traceId: string, root: ReadableSpan, spans: ReadableSpan[]): TraceSummary {
  return {
    traceId,
    operation: root.name,
    durationMs: ms(root),
    status: status(root),
    timestamp: new Date(hrTimeToMilliseconds(root.startTime)).toISOString(),
    spans: spans.map((s): SpanSummary => {
      const parent = s.parentSpanContext;
      return {
        spanId: s.spanContext().spanId,
        ...(parent && isSpanContextValid(parent) ? { parentSpanId: parent.spanId } : {}),
        name: s.name,
        kind: SpanKind[s.kind],
        durationMs: ms(s),
        status: status(s),
      };
    }),
  };
}

const ms = (s: ReadableSpan) => Math.round(hrTimeToMilliseconds(s.duration) * 10) / 10;
const status = (s: ReadableSpan) => (s.status.code === SpanStatusCode.ERROR ? "ERROR" : "OK");
