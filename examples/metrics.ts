import assert from 'node:assert/strict';
import { metrics } from '@opentelemetry/api';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { Redis } from 'ioredis';
import { RedisAllocator } from 'redis-allocator';

// Your application sets up the OpenTelemetry SDK once (here: an in-memory exporter; in production
// a Prometheus or OTLP exporter).
const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 });
const provider = new MeterProvider({ readers: [reader] });
metrics.setGlobalMeterProvider(provider);

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const proxies = new RedisAllocator(redis, 'metrics-proxies', { meter: metrics.getMeter('redis-allocator') });
await proxies.assign(['10.0.0.1:3128', '10.0.0.2:3128']);

const first = await proxies.malloc({ timeout: 60 });
const second = await proxies.malloc({ timeout: 60 });
assert.equal(await proxies.malloc({ timeout: 60 }), null); // the pool is empty now
await first?.release();
await second?.release();

await reader.forceFlush();
const exported = exporter.getMetrics().flatMap((m) => m.scopeMetrics.flatMap((s) => s.metrics));
const mallocs = exported.find((m) => m.descriptor.name === 'redis_allocator.mallocs')!;
const byOutcome = Object.fromEntries(mallocs.dataPoints.map((p) => [p.attributes.outcome, p.value]));
assert.deepEqual(byOutcome, { acquired: 2, empty: 1, error: 0 });
// Attributes name the pool, never a resource key.
assert.equal(mallocs.dataPoints[0]?.attributes['redis_allocator.pool'], 'metrics-proxies|allocator|pool');

await proxies.clear();
await redis.quit();
await provider.shutdown();
