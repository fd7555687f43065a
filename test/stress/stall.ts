/**
 * The stress worker's rule for a lease or oracle key found gone: only a stall of the worker longer
 * than what Redis guaranteed explains it (a `slow` case, recorded with its evidence). The same
 * finding without such a stall is an anomaly: the library (or the oracle) lost something live.
 */

export interface StallVerdict {
  kind: 'slow' | 'anomaly';
  /** What was found, the measured delay and the guarantee, for the report. */
  evidence: string;
}

/**
 * @param what the finding, e.g. "oracle key of k03 gone at extend"
 * @param elapsedMs local time measured from the moment the guarantee started
 * @param guaranteedMs how long Redis guaranteed the thing would live (already minus any cushion)
 */
export function judgeStall(what: string, elapsedMs: number, guaranteedMs: number): StallVerdict {
  const evidence = `${what} after ${elapsedMs.toFixed(0)} ms (guaranteed for ${guaranteedMs.toFixed(0)} ms)`;
  return { kind: elapsedMs >= guaranteedMs ? 'slow' : 'anomaly', evidence };
}
