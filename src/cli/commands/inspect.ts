/** `inspect`: one report per pool, as a table or (`--json`) as the report objects. */

import { EXIT } from '../exit-codes.js';
import { formatOutcome } from '../format.js';
import type { PoolOutcome } from '../pools.js';

export function printInspect(outcomes: readonly PoolOutcome[], options: { json: boolean }): number {
  if (options.json) {
    const body = outcomes.map((o) => o.report ?? { poolKey: o.poolKey, error: o.error.message });
    process.stdout.write(`${JSON.stringify(body.length === 1 ? body[0] : body, null, 2)}\n`);
  } else {
    process.stdout.write(`${outcomes.map(formatOutcome).join('\n\n')}\n`);
  }
  for (const outcome of outcomes)
    if (outcome.error) process.stderr.write(`error: ${outcome.error.message}\n`);
  return outcomes.some((o) => o.error) ? EXIT.cannotConnect : EXIT.ok;
}
