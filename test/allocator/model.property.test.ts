/**
 * Model-based property test: random sequences of every allocator operation run on Redis and on the
 * reference model (test/model/allocator-model.ts); every result, the whole pool state and the
 * invariants are compared after every step. Each sequence uses a fresh prefix.
 *
 * CI: 150 sequences of 40 operations per mode. `LONG=1` (npm run test:long): 10 000 per mode.
 */
import fc from 'fast-check';
import { afterAll, describe, it } from 'vitest';
import { RedisAllocator } from '../../src/index.js';
import { testClient, uniquePrefix } from '../helpers/redis.js';
import { SequenceDriver } from '../model/driver.js';
import { describeOp, type Op, sequenceArbitrary } from '../model/operations.js';

const LONG = process.env.LONG === '1';
const SEQUENCES_PER_MODE = Number(process.env.MODEL_SEQUENCES ?? (LONG ? 10_000 : 150));
const SEQUENCE_LENGTH = 40;
// A hang guard, not a speed gate: 150 exclusive sequences take about 4 s alone, but every step
// makes several round trips and waits for mailbox deliveries, so on a loaded 2-core machine (the
// whole suite, the crash stress beside it) the exclusive mode, which now also checks fences and
// the deadline index on every hand-off, needed about 130 s.
const TIMEOUT_MS = LONG ? 3_600_000 : 300_000;

const redis = testClient();
const stats = { sequences: 0, steps: 0, started: Date.now() };
const outcomes = new Map<string, number>();

afterAll(() => {
  const seconds = (Date.now() - stats.started) / 1000;
  const tally = [...outcomes].sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `${k}=${n}`);
  console.log(
    `model property: ${stats.sequences} sequences, ${stats.steps} operations in ${seconds.toFixed(1)} s\n` +
      `outcomes: ${tally.join(' ')}`,
  );
});

/** Runs one sequence; a failure names the step and lists the (non-noop) steps that led to it. */
async function runSequence(shared: boolean, ops: Op[]): Promise<void> {
  // No background drain within a sequence: the model has no clock; GC runs only when asked.
  const allocator = new RedisAllocator(redis, uniquePrefix('model'), { shared, drainInterval: 3600 });
  const driver = new SequenceDriver(allocator, outcomes);
  const done: string[] = [];
  stats.sequences++;
  try {
    await driver.start();
    for (const op of ops) {
      if (op.op === 'noop') continue;
      done.push(describeOp(op));
      stats.steps++;
      done[done.length - 1] += ` ${await driver.step(op)}`;
    }
  } catch (error) {
    const steps = done.map((line, i) => `  ${i + 1}. ${line}`).join('\n');
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `${shared ? 'shared' : 'exclusive'} mode, failing at step ${done.length}:\n${steps}\n${reason}`,
    );
  } finally {
    await driver.cleanup();
  }
}

describe.each([
  ['exclusive', false],
  ['shared', true],
])('%s mode', (_label, shared) => {
  it(
    'every operation sequence agrees with the reference model and keeps the invariants',
    async () => {
      await fc.assert(
        fc.asyncProperty(sequenceArbitrary(shared, SEQUENCE_LENGTH), (ops) => runSequence(shared, ops)),
        { numRuns: SEQUENCES_PER_MODE },
      );
    },
    TIMEOUT_MS,
  );
});
