/** Order statistics of benchmark samples. Medians, not means: one stall on a shared box must not move a figure. */

/** The q-quantile (0..1) by nearest rank on a sorted copy; NaN for no samples. */
export function quantile(samples: readonly number[], q: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

export function median(samples: readonly number[]): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Median with the smallest and largest sample: the spread printed beside every figure. */
export interface Summary {
  median: number;
  min: number;
  max: number;
  n: number;
}

export function summarize(samples: readonly number[]): Summary {
  return {
    median: median(samples),
    min: samples.length ? Math.min(...samples) : Number.NaN,
    max: samples.length ? Math.max(...samples) : Number.NaN,
    n: samples.length,
  };
}

/**
 * Ratios of paired rounds (`subject[i] / baseline[i]`). Rounds are interleaved, so each pair saw
 * the same background load; the per-round ratio cancels most of it.
 */
export function pairedRatios(subject: readonly number[], baseline: readonly number[]): number[] {
  const n = Math.min(subject.length, baseline.length);
  const ratios: number[] = [];
  for (let i = 0; i < n; i++) ratios.push(subject[i]! / baseline[i]!);
  return ratios;
}

/** Per-round ratios of two measured subjects, with their median and spread. */
export interface PairedSummary {
  median: number;
  min: number;
  max: number;
}

/**
 * Paired ratios of `subject` over `baseline`, looked up by name in `samples`. A subject that was
 * not measured (or has no rounds) is an error, never a silently skipped ratio: a dropped subject
 * would leave its target unchecked.
 */
export function pairedSummary(
  samples: Readonly<Record<string, readonly number[]>>,
  subject: string,
  baseline: string,
): PairedSummary {
  for (const name of [subject, baseline]) {
    if (!samples[name]?.length) throw new Error(`benchmark subject "${name}" was not measured`);
  }
  const ratios = pairedRatios(samples[subject]!, samples[baseline]!);
  return { median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios) };
}
