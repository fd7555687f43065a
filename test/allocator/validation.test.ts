/**
 * Bad input gets a typed error before any Redis call and leaves the pool exactly as it was. "Before
 * any Redis call" is measured at the server: the allocator drives its own connection, and MONITOR
 * shows every command that connection sent during the rejected call (there must be none). "As it
 * was" covers the pool hash, both pointers, every member's lock and every soft binding.
 */
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  InvalidArgumentError,
  InvalidKeyError,
  InvalidTimeoutError,
  RedisAllocator,
} from '../../src/index.js';
import { CommandMonitor } from '../helpers/command-monitor.js';
import { testClient, uniquePrefix } from '../helpers/redis.js';
import { rawPool } from './helpers.js';

/** The allocators' own connection: the only one whose commands are counted. */
const connection = testClient();
/** Raw reads of the state, on another connection. */
const inspector = testClient();
let monitor: CommandMonitor;

beforeAll(async () => {
  monitor = await CommandMonitor.start();
});

afterAll(async () => {
  await monitor?.stop();
});

const badKeys: Array<[string, unknown]> = [
  ['the empty string', ''],
  ['the allocation marker', '#ALLOCATED'],
  ['a key containing ||', 'a||b'],
  ['a key starting with |', '|a'],
  ['a key ending with |', 'a|'],
  ['a key containing NUL', 'a\u0000b'],
  ['a number', 42],
  ['null', null],
  ['a 1 MiB key', 'x'.repeat(1 << 20)],
];

/** Pool k1 k2 k3 with k1 held, bindings n → k1 (by malloc) and m → k2 (updateSoftBind). */
async function seededAllocator() {
  const allocator = new RedisAllocator(connection, uniquePrefix('validation'));
  await allocator.extend(['k1', 'k2', 'k3']);
  await allocator.mallocKey({ name: 'n' });
  await allocator.updateSoftBind('m', 'k2');
  return allocator;
}

/** Pool, pointers, member locks and every binding (value and whether it is permanent). */
async function rawState(allocator: RedisAllocator) {
  const { bindPrefix } = allocator.redisKeys;
  const bindings: Record<string, { key: string | null; permanent: boolean }> = {};
  // SCAN to the end: one page covers only part of a keyspace the other test files fill too.
  const names: string[] = [];
  let cursor = '0';
  do {
    const [next, page] = await inspector.scan(cursor, 'MATCH', `${bindPrefix}*`, 'COUNT', 1000);
    names.push(...page);
    cursor = next;
  } while (cursor !== '0');
  for (const bindKey of [...new Set(names)].sort()) {
    bindings[bindKey.slice(bindPrefix.length)] = {
      key: await inspector.get(bindKey),
      permanent: (await inspector.pttl(bindKey)) === -1,
    };
  }
  return { ...(await rawPool(allocator)), bindings };
}

/**
 * Runs `call` on a seeded allocator and asserts: it rejects with `errorClass`, its connection sent
 * no command, and the state is unchanged.
 */
async function expectRejectedUntouched(
  errorClass: new (...args: never[]) => Error,
  call: (allocator: RedisAllocator) => Promise<unknown>,
): Promise<void> {
  const allocator = await seededAllocator();
  const before = await rawState(allocator);
  expect(Object.keys(before.bindings)).toEqual(['m', 'n']);
  let error: unknown;
  const sent = await monitor.commandsDuring(connection, async () => {
    error = await call(allocator).then(
      () => undefined,
      (rejection: unknown) => rejection,
    );
  });
  expect(error).toBeInstanceOf(errorClass);
  expect(sent, 'commands sent to Redis by the rejected call').toEqual([]);
  expect(await rawState(allocator)).toEqual(before);
}

describe('the instruments of this file', () => {
  it('the monitor sees the commands of a valid call', async () => {
    const allocator = await seededAllocator();
    const sent = await monitor.commandsDuring(connection, () => allocator.extend(['k4']));
    expect(sent.map(([name]) => name?.toLowerCase())).toEqual(['evalsha']);
  });

  it('the monitor sees only the counted connection', async () => {
    const other: Redis = inspector;
    const sent = await monitor.commandsDuring(connection, () => other.get('unrelated'));
    expect(sent).toEqual([]);
  });

  it('the state comparison sees a changed binding', async () => {
    const allocator = await seededAllocator();
    const before = await rawState(allocator);
    await allocator.updateSoftBind('m', 'k3');
    expect(await rawState(allocator)).not.toEqual(before);
  });
});

describe.each(['extend', 'assign', 'shrink', 'freeKeys'] as const)('%s rejects bad keys', (method) => {
  it.each(badKeys)('rejects %s before any Redis call and changes nothing', async (_label, bad) => {
    await expectRejectedUntouched(InvalidKeyError, (allocator) =>
      (allocator[method] as (keys: unknown[]) => Promise<void>).call(allocator, ['ok', bad]),
    );
  });
});

describe('other invalid input', () => {
  it('a non-array key list is rejected with InvalidKeyError', async () => {
    await expectRejectedUntouched(InvalidKeyError, (allocator) =>
      allocator.extend('abc' as unknown as string[]),
    );
  });

  it.each<[string, (allocator: RedisAllocator) => Promise<unknown>]>([
    ['extend', (allocator) => allocator.extend(['new'], { timeout: Number.NaN })],
    ['mallocKey timeout', (allocator) => allocator.mallocKey({ timeout: Number.NaN })],
    [
      'mallocKey cacheTimeout',
      (allocator) => allocator.mallocKey({ cacheTimeout: '5' as unknown as number }),
    ],
    ['freeKeys', (allocator) => allocator.freeKeys(['k1'], { timeout: Number.NaN })],
    ['updateSoftBind', (allocator) => allocator.updateSoftBind('n', 'k1', Number.NaN)],
    ['renewLease', (allocator) => allocator.renewLease({ key: 'k1', token: 't' }, Number.NaN)],
  ])('a NaN timeout in %s is rejected with InvalidTimeoutError', async (_label, call) => {
    await expectRejectedUntouched(InvalidTimeoutError, call);
  });

  it('an infinite gcInterval is rejected with InvalidTimeoutError (gcCount: 0 disables GC)', async () => {
    await expectRejectedUntouched(InvalidTimeoutError, (allocator) =>
      allocator.acquireLease({ gcCount: 5, gcInterval: Number.POSITIVE_INFINITY }),
    );
  });

  it.each([0, -1, 1.5, Number.NaN])('gc(%s) is rejected with InvalidArgumentError', async (count) => {
    await expectRejectedUntouched(InvalidArgumentError, (allocator) => allocator.gc(count));
  });

  it('a non-string binding name is rejected with InvalidKeyError', async () => {
    await expectRejectedUntouched(InvalidKeyError, (allocator) =>
      allocator.mallocKey({ name: 7 as unknown as string }),
    );
  });

  it('updateSoftBind rejects a bad resource key', async () => {
    await expectRejectedUntouched(InvalidKeyError, (allocator) => allocator.updateSoftBind('n', 'a||b'));
  });

  it('acquireKey rejects a bad resource key', async () => {
    await expectRejectedUntouched(InvalidKeyError, (allocator) => allocator.acquireKey('a||b'));
  });
});
