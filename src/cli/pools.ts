/** The pools a CLI run looks at, and one report per pool per tick. */
import { RedisAllocatorCore } from '../allocator/redis-allocator-core.js';
import { type DiagnoseTarget, diagnose } from '../diagnostics/report.js';
import type { PoolReport } from '../diagnostics/report-types.js';
import type { CliRedis } from './connect.js';

/** Options every command shares. */
export interface CommonOptions {
  url: string;
  prefix: string[];
  suffix: string;
  shared: boolean;
  cluster: boolean;
  sampleLimit: number;
  scanLimit: number;
  chunkSize: number | 'auto';
}

/** One pool per `--prefix` (a read-only handle: building it sends nothing to Redis). */
export function poolTargets(redis: CliRedis, options: CommonOptions): DiagnoseTarget[] {
  return options.prefix.map(
    (prefix) => new RedisAllocatorCore(redis, prefix, { suffix: options.suffix, shared: options.shared }),
  );
}

/** A report, or why there is none, for one pool. */
export type PoolOutcome =
  | { readonly poolKey: string; readonly report: PoolReport; readonly error?: undefined }
  | { readonly poolKey: string; readonly report?: undefined; readonly error: Error };

/**
 * Reports on every pool; a pool that fails (not a pool, Redis gone) gets its error instead of
 * stopping the others. `previous` gives the rates (pressure) between ticks.
 */
export class PoolReporter {
  private readonly previous = new Map<string, PoolReport>();

  constructor(
    readonly targets: readonly DiagnoseTarget[],
    private readonly limits: { sampleLimit: number; scanLimit: number; chunkSize?: number | 'auto' },
  ) {}

  async tick(): Promise<PoolOutcome[]> {
    const outcomes: PoolOutcome[] = [];
    for (const target of this.targets) {
      const poolKey = target.redisKeys.pool;
      try {
        const report = await diagnose(target, { ...this.limits, previous: this.previous.get(poolKey) });
        this.previous.set(poolKey, report);
        outcomes.push({ poolKey, report });
      } catch (error) {
        outcomes.push({ poolKey, error: error as Error });
      }
    }
    return outcomes;
  }
}
