/**
 * OpenTelemetry traces, exported over OTLP/HTTP when `tracing.endpoint` is set: a span per HTTP request (named by
 * its route pattern), per use-case flow, per delivery attempt and per database query, all in one trace. Attributes
 * are bounded and never hold a code, a phone number or a query's parameters.
 *
 * Off (no endpoint), nothing is started and nothing is wrapped: `tracing` is null and every instrumentation point
 * checks for that, so the request path is what it is without tracing.
 */
import { context, SpanKind, SpanStatusCode, trace, type Span, type Tracer } from '@opentelemetry/api';

export interface Tracing {
  tracer: Tracer;
  /** Sends what is buffered and stops (at shutdown). */
  shutdown(): Promise<void>;
}

/** The SDK and its exporter are loaded only when tracing is on: ~10 MB that a server without tracing never uses. */
export async function startTracing(settings: { endpoint: string | null; serviceName: string }): Promise<Tracing | null> {
  if (settings.endpoint === null) return null;
  const [hooks, { OTLPTraceExporter }, { resourceFromAttributes }, { BatchSpanProcessor, NodeTracerProvider }] = await Promise.all([
    import('@opentelemetry/context-async-hooks'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/sdk-trace-node'),
  ]);
  const exporter = new OTLPTraceExporter({ url: `${settings.endpoint.replace(/\/+$/, '')}/v1/traces` });
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': settings.serviceName }),
    spanProcessors: [new BatchSpanProcessor(exporter, { scheduledDelayMillis: 1000 })],
  });
  // Parent and child spans find each other through the async context; one manager per process (a second app in
  // the same process, as in tests, shares it).
  context.setGlobalContextManager(new hooks.AsyncLocalStorageContextManager().enable());
  return { tracer: provider.getTracer('otpgate'), shutdown: () => provider.shutdown() };
}

/** Runs `work` in a span that ends with it; a throw marks the span as an error (message only, no stack). */
export async function inSpan<T>(
  tracer: Tracer,
  name: string,
  attributes: Record<string, string | number | boolean>,
  work: (span: Span) => Promise<T>,
): Promise<T> {
  return tracer.startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.name : 'error' });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** A span for something that already happened (a database query Kysely timed), in the active context. */
export function pastSpan(tracer: Tracer, name: string, attributes: Record<string, string>, durationMs: number): void {
  const end = Date.now();
  tracer.startSpan(name, { attributes, startTime: end - durationMs, kind: SpanKind.CLIENT }, context.active()).end(end);
}

export { context, SpanKind, SpanStatusCode, trace };
