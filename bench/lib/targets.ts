/** Issue 5's targets, keyed by ratio id, and how a measured ratio is judged against them. */

export interface Target {
  /** `>=`: the ratio must reach `value`; `<=`: it must not exceed it. */
  op: '>=' | '<=';
  value: number;
}

/** A target and the figure whose run must produce its ratio. */
export interface TargetSpec extends Target {
  figure: string;
}

/** met: target reached; missed: not reached; gross: beyond half (or double) the target — the only CI failure. */
export type Verdict = 'met' | 'missed' | 'gross';

export const TARGETS: Readonly<Record<string, TargetSpec>> = {
  'pair/ceiling@c64': { figure: 'throughput', op: '>=', value: 0.6 },
  'pair/semaphore@c64': { figure: 'throughput', op: '>=', value: 1.0 },
  'pair/ceiling@c1': { figure: 'throughput', op: '>=', value: 0.65 },
  // Issue 8: through node-redis, the same bar against node-redis's own ceiling.
  'nodeRedisPair/nodeRedisCeiling@c64': { figure: 'clients', op: '>=', value: 0.6 },
  'policy/pair@c1': { figure: 'throughput', op: '>=', value: 0.8 },
  'policy/pair@c64': { figure: 'throughput', op: '>=', value: 0.8 },
  'scaling/pair': { figure: 'scaling', op: '<=', value: 1.3 },
  'scaling/gc20': { figure: 'scaling', op: '<=', value: 1.5 },
  'scaling/extend': { figure: 'scaling', op: '<=', value: 1.3 },
  'scaling/shrink': { figure: 'scaling', op: '<=', value: 1.3 },
  // Issue 9 (waiting): 8 resources, waiters over 2 processes, each holding its key 5 ms.
  'waiting/utilisation@w16': { figure: 'waiting', op: '>=', value: 0.9 },
  'waiting/utilisation@w64': { figure: 'waiting', op: '>=', value: 0.9 },
  'waiting/utilisation@w256': { figure: 'waiting', op: '>=', value: 0.9 },
  'waiting/utilisation-vs-semaphore@w16': { figure: 'waiting', op: '>=', value: 1.0 },
  'waiting/utilisation-vs-semaphore@w64': { figure: 'waiting', op: '>=', value: 1.0 },
  'waiting/utilisation-vs-semaphore@w256': { figure: 'waiting', op: '>=', value: 1.0 },
  'waiting/handoff@w16': { figure: 'waiting', op: '<=', value: 2.0 },
  'waiting/handoff@w64': { figure: 'waiting', op: '<=', value: 2.0 },
  'waiting/handoff@w256': { figure: 'waiting', op: '<=', value: 2.0 },
  // Issue 10: fence + deadline index cost the uncontended pair at most 5 %; one renew call per
  // keep-alive interval whatever the number of leases; an ended lease is back within 1 s.
  'lease/pair-speed': { figure: 'lease', op: '>=', value: 0.95 },
  'lease/pair-redis-usec': { figure: 'lease', op: '<=', value: 1.05 },
  'lease/pair-after-ceiling@c64': { figure: 'lease', op: '>=', value: 0.6 },
  'lease/keepalive-calls@1': { figure: 'lease', op: '<=', value: 1 },
  'lease/keepalive-calls@100': { figure: 'lease', op: '<=', value: 1 },
  'lease/keepalive-calls@1000': { figure: 'lease', op: '<=', value: 1 },
  'lease/prompt-median@10': { figure: 'lease', op: '<=', value: 1 },
  'lease/prompt-median@1000': { figure: 'lease', op: '<=', value: 1 },
  'lease/prompt-median@100000': { figure: 'lease', op: '<=', value: 1 },
  // Issue 13, fleet of 3 processes × 64 in flight on one Redis: Redis µs per mallocKey+freeKeys
  // pair at most 1.3× redis-semaphore's, and at least its pairs/s.
  'fleet/pair-usec/semaphore': { figure: 'fleet', op: '<=', value: 1.3 },
  'fleet/pair/semaphore': { figure: 'fleet', op: '>=', value: 1.0 },
  // Issue 12: an allocator with an OpenTelemetry meter keeps 95 % of the pair's throughput.
  'metrics/pair@c1': { figure: 'metrics', op: '>=', value: 0.95 },
  'metrics/pair@c64': { figure: 'metrics', op: '>=', value: 0.95 },
};

/**
 * A gross regression is below half a `>=` target or above double a `<=` target: far outside what
 * noise on a shared two-core machine produces, so CI can fail on it without flaking. A value that
 * is not a finite number (a ratio of no samples, a zero baseline) is a broken measurement: gross
 * too, so it can never pass unnoticed.
 */
export function judge(value: number, target: Target): Verdict {
  if (!Number.isFinite(value)) return 'gross';
  if (target.op === '>=') {
    if (value >= target.value) return 'met';
    return value < target.value / 2 ? 'gross' : 'missed';
  }
  if (value <= target.value) return 'met';
  return value > target.value * 2 ? 'gross' : 'missed';
}

/**
 * Target ids of `figure` for which the figure produced no ratio: a renamed ratio or a dropped
 * subject would otherwise leave its target silently unchecked.
 */
export function unmeasuredTargets(
  figure: string,
  ratioIds: readonly string[],
  targets: Readonly<Record<string, TargetSpec>> = TARGETS,
): string[] {
  const measured = new Set(ratioIds);
  return Object.entries(targets)
    .filter(([id, target]) => target.figure === figure && !measured.has(id))
    .map(([id]) => id);
}
