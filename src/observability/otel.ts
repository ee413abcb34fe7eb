import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  defaultTextMapSetter,
  trace,
  type Span,
  type TextMapGetter,
  type TextMapPropagator,
} from "@opentelemetry/api";
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { B3InjectEncoding, B3Propagator } from "@opentelemetry/propagator-b3";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  TracerProvider,
  type SpanProcessor,
} from "@opentelemetry/sdk-trace";
import type { HeaderReader, Propagation } from "./propagation.js";
import { TraceBuffer } from "./trace-buffer.js";
import { TraceCapture } from "./trace-capture.js";
import type { SpanHandle, Tracing, TracingOptions } from "./tracing-api.js";

/**
 * OpenTelemetry spans, exported over OTLP/HTTP (JSON) when an endpoint is set and kept for the
 * control port's `/traces` when local traces are on. Loaded only when one of them is.
 */
export function createTracing(options: TracingOptions): Tracing {
  const processors: SpanProcessor[] = [];
  const url = options.tracesUrl ?? (options.endpoint ? `${options.endpoint.replace(/\/+$/, "")}/v1/traces` : undefined);
  if (url) {
    processors.push(new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url }), scheduledDelayMillis: 1000 }));
  }
  const recent = options.localBufferSize ? new TraceBuffer(options.localBufferSize) : undefined;
  if (recent) processors.push(new TraceCapture(recent));
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ "service.name": options.serviceName, "service.version": options.serviceVersion }),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(options.sampling ?? 1) }),
    spanProcessors: processors,
  });
  const tracer = provider.getTracer("naftiko-runtime", options.serviceVersion);
  const propagator = propagatorFor(options.propagation);

  const handle = (span: Span): SpanHandle => {
    let carrier: Record<string, string> | undefined;
    return {
      headers() {
        if (!carrier) {
          carrier = {};
          propagator.inject(trace.setSpan(ROOT_CONTEXT, span), carrier, defaultTextMapSetter);
        }
        return carrier;
      },
      end(attributes, error, name) {
        if (name) span.updateName(name);
        for (const [k, v] of Object.entries(attributes)) if (v !== undefined) span.setAttribute(k, v);
        if (error) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
      },
      // The SDK span, for children.
      ...({ span } as object),
    } as SpanHandle;
  };

  return {
    recent,
    server(name, attributes, header) {
      const parent = propagator.extract(ROOT_CONTEXT, header, headerGetter);
      return handle(tracer.startSpan(name, { kind: SpanKind.SERVER, attributes }, parent));
    },
    client(name, attributes, parent) {
      const parentSpan = (parent as unknown as { span?: Span } | undefined)?.span;
      const ctx = parentSpan ? trace.setSpan(ROOT_CONTEXT, parentSpan) : ROOT_CONTEXT;
      return handle(tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes }, ctx));
    },
    shutdown: () => provider.shutdown(),
  };
}

/** W3C Trace Context with W3C Baggage, or B3 written as multiple headers (read in either form). */
function propagatorFor(propagation: Propagation): TextMapPropagator {
  if (propagation === "b3") return new B3Propagator({ injectEncoding: B3InjectEncoding.MULTI_HEADER });
  return new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] });
}

const headerGetter: TextMapGetter<HeaderReader> = {
  get: (read, key) => read(key.toLowerCase()),
  keys: () => [],
};
