/** `check`: one line per pool and an exit code for cron and CI (see exit-codes.ts). */
import { EXIT } from '../exit-codes.js';
import type { PoolOutcome } from '../pools.js';

/** Worst first: a corrupt pool outranks an unreadable one, which outranks a missing one. */
const RANK: number[] = [EXIT.corrupt, EXIT.cannotConnect, EXIT.noPool, EXIT.ok];

export function printCheck(outcomes: readonly PoolOutcome[]): number {
  const codes = outcomes.map((outcome) => {
    if (outcome.error) {
      process.stdout.write(`ERROR    ${outcome.poolKey}: ${outcome.error.message}\n`);
      return EXIT.cannotConnect;
    }
    const { health, identity, integrity, recommendations } = outcome.report;
    if (!identity.exists) {
      process.stdout.write(
        `NO POOL  ${outcome.poolKey}: no pool hash at this key (wrong --prefix/--suffix?)\n`,
      );
      return EXIT.noPool;
    }
    const detail =
      health === 'corrupt'
        ? integrity.violations.map((v) => `${v.invariant}: ${v.message}`).join('; ')
        : recommendations
            .filter((r) => r.severity !== 'info')
            .map((r) => r.code)
            .join(', ');
    const chunked =
      integrity.consistency === 'chunked'
        ? ' (read in chunks: INV-1/INV-2 not checked; --chunk-size 0 checks them, blocking Redis longer)'
        : '';
    process.stdout.write(
      `${health.toUpperCase().padEnd(8)} ${outcome.poolKey}${detail ? `: ${detail}` : ''}${chunked}\n`,
    );
    return health === 'corrupt' ? EXIT.corrupt : EXIT.ok;
  });
  return RANK.find((code) => codes.includes(code as never)) ?? EXIT.ok;
}
