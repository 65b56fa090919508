/**
 * GET /metrics in Prometheus text format (prom-client): how long invocations
 * take by service and status, the cards issued by code, how each prefetch
 * key's data was obtained (prefetched, fetched from the FHIR server, failed,
 * ...), the answer threads' work in flight, the event-loop lag of the
 * request thread, and the process's memory. One registry per app:
 * the request thread sees every invocation, whichever thread answered it.
 * No label carries a patient identifier or a token.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { KeyState } from './cds/prefetch';
import type { RawAnswer } from './use-case/answer-raw';

export interface Metrics {
  registry: Registry;
  answered: (serviceId: string, answer: RawAnswer, seconds: number) => void;
  feedback: (serviceId: string, items: number) => void;
}

export function createMetrics(pool?: { size: number; inFlight(): number }): Metrics {
  const registry = new Registry();
  // Event-loop lag of the request thread since the previous scrape (prom-client's default collectors are not
  // used: some of their gauges end in _total, which promtool's lint rejects).
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  new Gauge({
    name: 'relapsed_all_cds_event_loop_lag_seconds',
    help: 'Event-loop delay of the request thread since the previous scrape, by statistic (p50, p99, max).',
    labelNames: ['stat'] as const,
    registers: [registry],
    collect() {
      this.set({ stat: 'p50' }, lag.percentile(50) / 1e9);
      this.set({ stat: 'p99' }, lag.percentile(99) / 1e9);
      this.set({ stat: 'max' }, lag.max / 1e9);
      lag.reset();
    },
  });
  new Gauge({
    name: 'relapsed_all_cds_resident_memory_bytes',
    help: 'Resident memory of the service process (every thread).',
    registers: [registry],
    collect() {
      this.set(process.memoryUsage.rss());
    },
  });
  const duration = new Histogram({
    name: 'relapsed_all_cds_invocation_duration_seconds',
    help: 'Time to answer a CDS Hooks invocation (request thread: from the body read to the answer), by service and HTTP status.',
    labelNames: ['service', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8],
    registers: [registry],
  });
  const cards = new Counter({
    name: 'relapsed_all_cds_cards_total',
    help: 'Cards issued, by service and card code (source.topic).',
    labelNames: ['service', 'code'] as const,
    registers: [registry],
  });
  const keys = new Counter({
    name: 'relapsed_all_cds_prefetch_keys_total',
    help: 'How each prefetch key was obtained: prefetched by the client, null, fetched from the FHIR server, or failed (client OperationOutcome, FHIR timeout, 4xx/5xx, unusable body).',
    labelNames: ['service', 'key', 'state'] as const,
    registers: [registry],
  });
  const fetches = new Counter({
    name: 'relapsed_all_cds_fhir_fetch_total',
    help: 'Prefetch keys read from the FHIR server, by outcome: ok = obtained; failed = not obtained (the fetch failed or timed out, or the client reported that query failed).',
    labelNames: ['service', 'outcome'] as const,
    registers: [registry],
  });
  const feedback = new Counter({
    name: 'relapsed_all_cds_feedback_items_total',
    help: 'Card feedback items received, by service.',
    labelNames: ['service'] as const,
    registers: [registry],
  });
  if (pool) {
    new Gauge({
      name: 'relapsed_all_cds_answer_threads',
      help: 'Answer worker threads.',
      registers: [registry],
      collect() {
        this.set(pool.size);
      },
    });
    new Gauge({
      name: 'relapsed_all_cds_answer_in_flight',
      help: 'Invocations sent to an answer thread and not answered yet.',
      registers: [registry],
      collect() {
        this.set(pool.inFlight());
      },
    });
  }
  return {
    registry,
    answered: (serviceId, answer, seconds) => {
      duration.observe({ service: serviceId, status: String(answer.status) }, seconds);
      for (const code of answer.log.cards ?? []) cards.inc({ service: serviceId, code });
      for (const [key, state] of Object.entries<KeyState>(answer.log.keys ?? {})) {
        keys.inc({ service: serviceId, key, state });
        if (state === 'fetched') fetches.inc({ service: serviceId, outcome: 'ok' });
        else if (state === 'failed') fetches.inc({ service: serviceId, outcome: 'failed' });
      }
    },
    feedback: (serviceId, items) => {
      feedback.inc({ service: serviceId }, items);
    },
  };
}
