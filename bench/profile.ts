/**
 * Profile: what one operation costs the server. Round trips per operation (counted on the client),
 * commands per operation (`INFO commandstats` delta: the script's own redis.call()s), and the
 * server time of the operation split into the commands inside (their own commandstats usec) and
 * the Lua around them (script usec minus those commands: preamble, closures, string work, the
 * cost of each redis.call() itself, the reply). Also the structural checks no noise can move: one
 * script call per malloc and per release, and no O(pool) command on the hot path.
 */
import type { Redis } from 'ioredis';
import { RedisAllocator } from 'redis-allocator';
import { Semaphore } from 'redis-semaphore';
import type { BenchConfig } from './lib/config.js';
import { type BenchRedis, type CommandStats, commandStats, diffStats } from './lib/redis.js';
import type { Check, FigureResult, Row } from './lib/report.js';
import { median } from './lib/stats.js';
import { fillPool, policyAllocator, resourceKeys, TRIVIAL_SCRIPT } from './lib/subjects.js';

/** Commands whose cost grows with the pool (or the keyspace): never allowed on the hot path. */
const O_POOL_COMMANDS = ['hkeys', 'hvals', 'hgetall', 'keys', 'scan', 'smembers', 'lrange', 'sort'];
/** A top-level command name → how many the client sent. */
type SentCounts = Record<string, number>;
/** Top-level commands that run Lua: their usec includes the commands the script calls. */
const SCRIPT_COMMANDS = ['evalsha', 'eval', 'evalsha_ro', 'eval_ro', 'fcall', 'fcall_ro'];
/** What the profiling connection itself sends between chunks. */
const ADMIN_COMMANDS = ['info'];

interface OperationProfile {
  name: string;
  roundTrips: number;
  commands: CommandStats;
  /** redis.call()s per operation (commands other than the round trips themselves). */
  innerCalls: number;
  /** Server microseconds per operation, script and inner calls included. */
  serverUsec: number;
  /** Of `serverUsec`: the commands themselves (inner redis.call()s and plain commands). */
  commandUsec: number;
  /** Of `serverUsec`: the Lua around the inner commands (script usec minus theirs). */
  luaUsec: number;
}

/** Splits one chunk's commandstats delta into command time and Lua time, in µs per operation. */
export function splitServerTime(
  diff: CommandStats,
  sent: SentCounts,
  ops: number,
): { serverUsec: number; commandUsec: number; luaUsec: number } {
  let script = 0;
  let plain = 0;
  let inner = 0;
  for (const [cmd, s] of Object.entries(diff)) {
    if (ADMIN_COMMANDS.includes(cmd) || cmd.startsWith('config')) continue;
    if (SCRIPT_COMMANDS.includes(cmd)) script += s.usec;
    else if (sent[cmd] !== undefined) plain += s.usec;
    else inner += s.usec;
  }
  const per = Math.max(1, ops);
  return {
    serverUsec: (script + plain) / per,
    commandUsec: (inner + plain) / per,
    luaUsec: (script - inner) / per,
  };
}

/** Counts every command `client` sends, by name, by wrapping its `sendCommand`. */
function countSent(client: Redis): SentCounts {
  const counts: SentCounts = {};
  const send = client.sendCommand.bind(client);
  client.sendCommand = ((command: { name: string }, ...rest: unknown[]) => {
    const name = command.name.toLowerCase(); // commandstats names are lower-case; clients may send either
    counts[name] = (counts[name] ?? 0) + 1;
    return (send as (...args: unknown[]) => unknown)(command, ...rest);
  }) as typeof client.sendCommand;
  return counts;
}

/** Callers per coalesced batch in the "at once" steps. */
const BATCH = 20;

/** Server time is taken per chunk and the median chunk kept: one descheduled script on a loaded box would skew a plain mean. */
const CHUNKS = 5;

async function profileStep(
  admin: Redis,
  sent: SentCounts,
  name: string,
  count: number,
  step: (i: number) => Promise<unknown>,
): Promise<OperationProfile> {
  for (const key of Object.keys(sent)) delete sent[key];
  const first = await commandStats(admin);
  const chunks: Array<ReturnType<typeof splitServerTime>> = [];
  let before = first;
  for (let chunk = 0; chunk < CHUNKS; chunk++) {
    const end = Math.round(((chunk + 1) * count) / CHUNKS);
    const start = Math.round((chunk * count) / CHUNKS);
    for (let i = start; i < end; i++) await step(i);
    const after = await commandStats(admin);
    chunks.push(splitServerTime(diffStats(before, after), sent, end - start));
    before = after;
  }
  const diff = diffStats(first, before);
  for (const cmd of Object.keys(diff))
    if (ADMIN_COMMANDS.includes(cmd) || cmd.startsWith('config')) delete diff[cmd];
  const roundTrips = Object.values(sent).reduce((a, b) => a + b, 0) / count;
  const total = Object.values(diff).reduce((a, b) => a + b.calls, 0) / count;
  const perOp: CommandStats = {};
  for (const [cmd, s] of Object.entries(diff)) perOp[cmd] = { calls: s.calls / count, usec: s.usec / count };
  return {
    name,
    roundTrips,
    commands: perOp,
    innerCalls: total - roundTrips,
    serverUsec: median(chunks.map((c) => c.serverUsec)),
    commandUsec: median(chunks.map((c) => c.commandUsec)),
    luaUsec: median(chunks.map((c) => c.luaUsec)),
  };
}

function describe(p: OperationProfile): string {
  const parts = Object.entries(p.commands)
    .filter(([cmd]) => !SCRIPT_COMMANDS.includes(cmd))
    .map(([cmd, s]) => `${cmd.toUpperCase()} ${+s.calls.toFixed(2)}`);
  return (
    `${p.name}: ${p.roundTrips} round trip(s), ${+p.innerCalls.toFixed(2)} commands inside (${parts.join(', ')}); ` +
    `${p.serverUsec.toFixed(1)} µs server = ${p.commandUsec.toFixed(1)} µs commands + ${p.luaUsec.toFixed(1)} µs Lua`
  );
}

export async function runProfile(
  env: BenchRedis,
  config: BenchConfig,
  prefix: string,
): Promise<FigureResult> {
  const started = Date.now();
  const n = config.profile.operations;
  // The exclusive steps hold up to n keys at once: more than the pool would run it dry.
  if (n > 1000) throw new Error('profile.operations must not exceed the pool size (1000)');
  const admin = await env.client();
  const client = await env.client();
  const sent = countSent(client);
  const keys = resourceKeys(1000);
  const exclusive = new RedisAllocator(client, `${prefix}:pair`);
  const shared = new RedisAllocator(client, `${prefix}:shared`, { shared: true });
  const policy = policyAllocator(client, `${prefix}:policy`);
  for (const allocator of [exclusive, shared, policy]) await fillPool(allocator, keys);
  const sha = (await client.script('LOAD', TRIVIAL_SCRIPT)) as string;

  // One of each first: the first EVALSHA of a script on a fresh server answers NOSCRIPT (+1 EVAL).
  await exclusive.freeKeys([(await exclusive.mallocKey())!]);
  await exclusive.releaseLease((await exclusive.acquireLease({ gcCount: 5 }))!);
  await shared.mallocKey();
  await (await policy.malloc())!.release();
  const warm = new Semaphore(client, `${prefix}:semaphore`, 1000, { refreshInterval: 0 });
  await warm.acquire();
  await warm.release();

  const profiles: OperationProfile[] = [];
  const held: unknown[] = [];
  const step = async (name: string, op: (i: number) => Promise<unknown>) => {
    profiles.push(await profileStep(admin, sent, name, n, op));
  };
  await step('ceiling EVALSHA', () => client.evalsha(sha, 1, `${prefix}:ceiling`));
  await step('mallocKey', async (i) => {
    held[i] = await exclusive.mallocKey({ timeout: 600 });
  });
  await step('freeKeys([key])', (i) => exclusive.freeKeys([held[i] as string]));
  // Coalescing: callers issuing at once share one script call. Batches of 20 fit every chunk
  // (200 or 60 operations), so each chunk's median stays a per-operation figure.
  const together = (op: (i: number) => Promise<unknown>) => async (i: number) => {
    if (i % BATCH === 0) await Promise.all(Array.from({ length: BATCH }, (_, j) => op(i + j)));
  };
  await step(
    `mallocKey, ${BATCH} at once`,
    together(async (i) => {
      held[i] = await exclusive.mallocKey({ timeout: 600 });
    }),
  );
  await step(
    `freeKeys([key]), ${BATCH} at once`,
    together((i) => exclusive.freeKeys([held[i] as string])),
  );
  await step('acquireLease({gcCount: 5})', async (i) => {
    held[i] = await exclusive.acquireLease({ timeout: 600, gcCount: 5 });
  });
  await step('renewLease', (i) => exclusive.renewLease(held[i] as { key: string; token: string }, 600));
  await step('releaseLease', (i) => exclusive.releaseLease(held[i] as { key: string; token: string }));
  // Half the pool held, half free: a GC step visits both kinds (and reclaims nothing: every lease is live).
  for (let i = 0; i < 500; i++) await exclusive.mallocKey({ timeout: 600 });
  await step('gc(10)', () => exclusive.gc(10));
  await step('policy malloc', async (i) => {
    held[i] = await policy.malloc({ timeout: 600 });
  });
  await step('policy release', (i) => (held[i] as { release(): Promise<unknown> }).release());
  await step('shared mallocKey', () => shared.mallocKey());
  const semaphores: Semaphore[] = [];
  const options = { lockTimeout: 600_000, refreshInterval: 0, acquireTimeout: 1000, retryInterval: 1 };
  await step('redis-semaphore acquire', (i) => {
    semaphores[i] = new Semaphore(client, `${prefix}:semaphore`, 1000, options);
    return semaphores[i]!.acquire();
  });
  await step('redis-semaphore release', (i) => semaphores[i]!.release());

  const usecRow = (label: string, usec: number): Row => ({
    label,
    unit: 'µs/op',
    median: usec,
    min: usec,
    max: usec,
    n,
  });
  const rows: Row[] = profiles.flatMap((p) => [
    usecRow(`${p.name}: server time`, p.serverUsec),
    usecRow(`${p.name}: in commands`, p.commandUsec),
    usecRow(`${p.name}: in Lua`, p.luaUsec),
    {
      label: `${p.name}: redis.call()s`,
      unit: 'calls/op',
      median: p.innerCalls,
      min: p.innerCalls,
      max: p.innerCalls,
      n,
    },
  ]);
  const byName = (name: string) => profiles.find((p) => p.name === name);
  const hot = [
    'mallocKey',
    'freeKeys([key])',
    'acquireLease({gcCount: 5})',
    'releaseLease',
    'policy malloc',
    'policy release',
  ];
  const checks: Check[] = [];
  for (const name of hot) {
    const p = byName(name);
    if (!p) continue;
    const bad = Object.keys(p.commands).filter((cmd) => O_POOL_COMMANDS.includes(cmd));
    checks.push({
      id: `hotpath/${name}`,
      label: `${name}: no O(pool) command`,
      pass: bad.length === 0,
      detail: bad.length === 0 ? 'none of HKEYS/HVALS/HGETALL/KEYS/SCAN/…' : `uses ${bad.join(', ')}`,
    });
  }
  const oneTrip = policy
    ? ['policy malloc', 'policy release']
    : ['acquireLease({gcCount: 5})', 'releaseLease'];
  for (const name of oneTrip) {
    const p = byName(name)!;
    const scripts = (p.commands.evalsha?.calls ?? 0) + (p.commands.eval?.calls ?? 0);
    checks.push({
      id: `roundtrips/${name}`,
      label: `${name}: exactly one script call`,
      pass: p.roundTrips === 1 && scripts === 1,
      detail: `${p.roundTrips} round trip(s), ${scripts} script call(s) per operation`,
    });
  }
  return {
    id: 'profile',
    title: `Profile: commands and server time per operation (${n} sequential operations, pool of 1000)`,
    rows,
    ratios: [],
    checks,
    notes: profiles.map(describe),
    seconds: (Date.now() - started) / 1000,
  };
}
