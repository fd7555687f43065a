/**
 * The timeout decorator's one-timer queue: each send gets its own full bound whenever it was
 * sent, a send that settled in time never rejects later, and a send with its own bound keeps it.
 * The inner connection here is a stand-in whose replies the test controls (timer logic only; the
 * behaviour against a real stalled Redis is in operation-timeout.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { withOperationTimeout } from '../../src/client/index.js';
import type { RedisConnection, RedisReply } from '../../src/client/types.js';
import { OperationTimeoutError } from '../../src/index.js';

/** A connection whose every reply waits until the test settles it. */
function heldConnection() {
  const pending: Array<(reply: RedisReply) => void> = [];
  const connection: RedisConnection = {
    family: 'ioredis',
    isCluster: false,
    operationTimeoutMs: Number.POSITIVE_INFINITY,
    send: () => new Promise((resolve) => pending.push(resolve)),
    connectionMark: () => undefined,
    openDedicated: () => Promise.reject(new Error('not used')),
  };
  return { connection, pending };
}

/** Resolves with the ms after `since` at which `promise` rejected (or throws if it resolved). */
async function rejectedAfter(promise: Promise<unknown>, since: number): Promise<number> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(OperationTimeoutError);
  return performance.now() - since;
}

describe('the deadline queue', () => {
  it('a send made later gets its own full bound, not the earlier send’s deadline', async () => {
    const { connection } = heldConnection();
    const bounded = withOperationTimeout(connection, 200);
    const t0 = performance.now();
    const first = rejectedAfter(bounded.send('GET', ['a']), t0);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const second = rejectedAfter(bounded.send('GET', ['b']), t0);
    const [firstAt, secondAt] = await Promise.all([first, second]);
    expect(firstAt).toBeGreaterThanOrEqual(195);
    expect(secondAt).toBeGreaterThanOrEqual(295);
    expect(secondAt - firstAt).toBeGreaterThanOrEqual(80);
  });

  it('a send answered in time resolves and never rejects afterwards', async () => {
    const { connection, pending } = heldConnection();
    const bounded = withOperationTimeout(connection, 100);
    const answered = bounded.send('GET', ['a']);
    pending[0]!('value');
    await expect(answered).resolves.toBe('value');
    const late = bounded.send('GET', ['b']);
    await expect(late).rejects.toBeInstanceOf(OperationTimeoutError);
  });

  it('a send with its own bound keeps it (Infinity: never cut)', async () => {
    const { connection, pending } = heldConnection();
    const bounded = withOperationTimeout(connection, 50);
    const blocking = bounded.send('BLPOP', ['q', 0], undefined, { timeoutMs: Number.POSITIVE_INFINITY });
    await new Promise((resolve) => setTimeout(resolve, 150));
    pending[0]!(null);
    await expect(blocking).resolves.toBeNull();
  });
});
