import { ROOT_CONTEXT, SpanKind, SpanStatusCode, defaultTextMapGetter, defaultTextMapSetter, trace, type Span } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler, TracerProvider } from "@opentelemetry/sdk-trace";
import type { SpanHandle, Tracing, TracingOptions } from "./tracing.js";

/** OpenTelemetry spans exported over OTLP/HTTP (JSON). Loaded only when an endpoint is set. */
export function createTracing(options: TracingOptions): Tracing {
  const url = options.tracesUrl ?? (options.endpoint ? `${options.endpoint.replace(/\/+$/, "")}/v1/traces` : undefined);
  const exporter = new OTLPTraceExporter(url ? { url } : {});
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ "service.name": options.serviceName, "service.version": options.serviceVersion }),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(options.sampling ?? 1) }),
    spanProcessors: [new BatchSpanProcessor({ exporter, scheduledDelayMillis: 1000 })],
  });
  const tracer = provider.getTracer("naftiko-runtime", options.serviceVersion);
  const propagator = new W3CTraceContextPropagator();

  const handle = (span: Span): SpanHandle => {
    let carrier: Record<string, string> | undefined;
    const headers = () => {
      if (!carrier) {
        carrier = {};
        propagator.inject(trace.setSpan(ROOT_CONTEXT, span), carrier, defaultTextMapSetter);
      }
      return carrier;
    };
    return {
      traceparent: () => headers().traceparent,
      tracestate: () => headers().tracestate,
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
    server(name, attributes, traceparent, tracestate) {
      const carrier: Record<string, string> = {};
      if (traceparent) carrier.traceparent = traceparent;
      if (tracestate) carrier.tracestate = tracestate;
      const parent = propagator.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter);
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
