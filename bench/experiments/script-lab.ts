/**
 * EXPERIMENT (issue 13), not part of `npm run bench`: Redis µs per malloc and per free of script
 * variants, on real pools of 1000 keys with the library's calling convention. Mallocs go out in
 * pipelined batches (the pool's FIFO order makes the returned keys predictable), then the frees of
 * the same keys; each batch's evalsha usec per call comes from `INFO commandstats`. Variants are
 * interleaved over rounds and medians printed. Server time per call does not depend on pipelining.
 * Run: `node --import tsx bench/experiments/script-lab.ts [rounds] [batch] [variant…]`.
 */
import { register } from 'node:module';

register('./lua-text-hook.mjs', import.meta.url);
const { readFileSync, readdirSync } = await import('node:fs');
const { randomUUID } = await import('node:crypto');
const { RedisAllocator } = await import('redis-allocator');
const { LuaScript } = await import('../../src/scripts/loader.js');
const { allocatorScripts } = await import('../../src/allocator/scripts.js');
const { commandStats, diffStats, openBenchRedis } = await import('../lib/redis.js');
const { median } = await import('../lib/stats.js');
const { fillPool, resourceKeys, TRIVIAL_SCRIPT } = await import('../lib/subjects.js');
const { Semaphore } = await import('redis-semaphore');

const rounds = Number(process.argv[2] ?? 5);
/** Allocations per call for batch variants (args `tokens` / `keys`): LAB_GROUP, default 1. */
const group = Number(process.env.LAB_GROUP ?? 1);
const batch = Number(process.argv[3] ?? 400);
const only = process.argv.slice(4);

interface Variant {
  malloc: string;
  free: string;
  release: string;
}
const variants: Record<string, Variant> = {
  current: {
    malloc: allocatorScripts.malloc.source,
    free: allocatorScripts.free.source,
    release: allocatorScripts.release.source,
  },
};
// bench/experiments/variants/<name>.{malloc,free,release}.lua; a missing file falls back to current.
const dir = new URL('./variants/', import.meta.url);
const files = (() => {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
})();
for (const file of files) {
  const match = /^(.+)\.(malloc|free|release)\.lua$/.exec(file);
  if (!match) continue;
  const [, name, op] = match as unknown as [string, string, keyof Variant];
  variants[name] ??= { ...variants.current! };
  variants[name]![op] = new LuaScript(`${name}.${op}`, readFileSync(new URL(file, dir), 'utf8')).source;
}
const names = Object.keys(variants).filter((n) => only.length === 0 || only.includes(n));

const env = await openBenchRedis();
const client = await env.client();
const admin = await env.client();
const sha = async (source: string) => (await client.script('LOAD', source)) as string;

interface Lab {
  keys: Record<string, string>;
  lockPrefix: string;
  bindPrefix: string;
  next: number;
  sha: { malloc: string; free: string; release: string };
  /** Calling convention per op: a script may declare `-- lab-call: keys=a,b args=c,d` to get fewer. */
  call: Record<keyof Variant, { keys: string[]; args: string[] }>;
}
const DEFAULT_CALL: Record<keyof Variant, { keys: string[]; args: string[] }> = {
  malloc: {
    keys: ['pool', 'head', 'tail', 'gcCursor', 'gcGate', 'fence', 'deadlines'],
    args: ['lockPrefix', 'shared', 'ttl', 'clock', 'count', 'tokens'],
  },
  free: { keys: ['pool', 'head', 'tail', 'deadlines'], args: ['lockPrefix', 'lifetime', 'keys'] },
  release: {
    keys: ['pool', 'head', 'tail', 'deadlines'],
    args: ['lockPrefix', 'lifetime', 'cooldown', 'clock', 'pairs'],
  },
};
function callOf(source: string, op: keyof Variant) {
  const m = /^-- lab-call: keys=(\S*) args=(\S*)/m.exec(source);
  return m
    ? { keys: m[1]!.split(',').filter(Boolean), args: m[2]!.split(',').filter(Boolean) }
    : DEFAULT_CALL[op];
}
const labs: Record<string, Lab> = {};
const POOL = 1000;
for (const name of names) {
  const allocator = new RedisAllocator(client, `lab:${name}`);
  await fillPool(allocator, resourceKeys(POOL));
  const { pool, head, tail, gcCursor, gcGate, fence, deadlines, lockPrefix, bindPrefix } =
    allocator.redisKeys;
  const v = variants[name]!;
  labs[name] = {
    keys: { pool, head, tail, gcCursor, gcGate, fence, deadlines },
    call: {
      malloc: callOf(v.malloc, 'malloc'),
      free: callOf(v.free, 'free'),
      release: callOf(v.release, 'release'),
    },
    lockPrefix,
    bindPrefix,
    next: 0,
    sha: { malloc: await sha(v.malloc), free: await sha(v.free), release: await sha(v.release) },
  };
}

function argv(
  lab: Lab,
  op: keyof Variant,
  call: { key?: string; token: string; keys?: string[]; tokens?: string[] },
): [number, ...(string | number)[]] {
  const values: Record<string, string | number> = {
    lockPrefix: lab.lockPrefix,
    bindPrefix: lab.bindPrefix,
    shared: '0',
    ttl: 600_000,
    token: call.token,
    name: '',
    bindTtl: 3_600_000,
    gcCount: 0,
    gcGate: 0,
    lifetime: '',
    cooldown: 0,
    key: call.key ?? '',
    // The client's estimate of the server clock (redis-clock.ts); same machine, so Date.now().
    clock: Date.now(),
  };
  const { keys, args } = lab.call[op];
  const spread = args.flatMap((a) => {
    if (a === 'tokens') return call.tokens ?? [call.token];
    if (a === 'keys') return call.keys ?? [call.key!];
    if (a === 'pairs')
      return (call.keys ?? [call.key!]).flatMap((key, i) => [key, (call.tokens ?? [call.token])[i]!]);
    if (a === 'count') return [(call.tokens ?? [call.token]).length];
    return [values[a]!];
  });
  return [keys.length, ...keys.map((k) => lab.keys[k]!), ...spread];
}

// Under callgrind-lab.sh a batch is measured in server instructions instead of µs (callgrind.ts).
const { callgrindPid, serverInstructions } = await import('./callgrind.js');

async function timed(run: () => Promise<unknown>): Promise<number> {
  if (callgrindPid) return (await serverInstructions(run)) / batch / 1000;
  const before = await commandStats(admin);
  await run();
  const diff = diffStats(before, await commandStats(admin));
  delete diff.info;
  const usec = Object.values(diff).reduce((a, x) => a + x.usec, 0);
  return usec / batch;
}

/** References in the same units: a trivial script (the floor pays two) and redis-semaphore. */
async function references(): Promise<{ floor: number; acquire: number; release: number }> {
  const trivial = await sha(TRIVIAL_SCRIPT);
  const floor = await timed(async () => {
    const p = client.pipeline();
    for (let i = 0; i < batch; i++) p.evalsha(trivial, 1, 'lab:floor');
    await p.exec();
  });
  const options = { lockTimeout: 600_000, refreshInterval: 0, acquireTimeout: 10_000, retryInterval: 1 };
  const semaphores = Array.from(
    { length: batch },
    () => new Semaphore(client, 'lab:semaphore', 100_000, options),
  );
  const acquire = await timed(() => Promise.all(semaphores.map((s) => s.acquire())));
  const release = await timed(() => Promise.all(semaphores.map((s) => s.release())));
  return { floor, acquire, release };
}

/** One batch of mallocs, then frees (mode "free") or token-checked releases (mode "release"). */
async function measure(name: string, mode: 'free' | 'release'): Promise<[number, number]> {
  const lab = labs[name]!;
  const tokens = Array.from({ length: batch }, () => randomUUID());
  const expected = tokens.map((_, i) => `r${String((lab.next + i) % POOL).padStart(6, '0')}`);
  let got: unknown[] = [];
  const malloc = await timed(async () => {
    const p = client.pipeline();
    const batched = lab.call.malloc.args.includes('tokens');
    for (let i = 0; i < tokens.length; i += batched ? group : 1) {
      p.evalsha(
        lab.sha.malloc,
        ...argv(lab, 'malloc', { token: tokens[i]!, tokens: tokens.slice(i, i + group) }),
      );
    }
    got = ((await p.exec()) ?? []).flatMap(([error, value]) => {
      if (error) throw error;
      // Fenced mallocs answer { fence, key… }: the keys are the strings.
      return (Array.isArray(value) ? value : [value]).filter((v) => typeof v === 'string');
    });
  });
  for (let i = 0; i < batch; i++) {
    if (got[i] !== expected[i])
      throw new Error(`${name}: malloc ${i} returned ${String(got[i])}, expected ${expected[i]}`);
  }
  lab.next += batch;
  // Release compares the whole lock value: "<token>@<fence>" since the fence moved into the lock
  // (older variants wrote the bare token). Read outside the measured batch.
  const held = mode === 'release' ? await client.mget(...expected.map((key) => lab.lockPrefix + key)) : [];
  const ownerValues = tokens.map((token, i) => held[i] ?? token);
  const back = await timed(async () => {
    const p = client.pipeline();
    const batched = lab.call[mode].args.includes('keys') || lab.call[mode].args.includes('pairs');
    for (let i = 0; i < expected.length; i += batched ? group : 1) {
      const keys = expected.slice(i, i + group);
      const batchTokens = ownerValues.slice(i, i + group);
      p.evalsha(
        lab.sha[mode],
        ...argv(lab, mode, { key: expected[i]!, token: ownerValues[i]!, keys, tokens: batchTokens }),
      );
    }
    for (const [error, value] of (await p.exec()) ?? []) {
      if (error) throw error;
      // release answers one result per pair, free the number of keys pushed back
      const answered = Array.isArray(value) ? (value as number[]).reduce((a, b) => a + b, 0) : value;
      if (answered !== (batched ? Math.min(group, expected.length) : 1)) {
        throw new Error(`${name}: ${mode} answered ${String(value)}`);
      }
    }
  });
  return [malloc, back];
}

const refs: Array<{ floor: number; acquire: number; release: number }> = [];
const results: Record<string, { malloc: number[]; free: number[]; release: number[] }> = {};
for (const name of names) results[name] = { malloc: [], free: [], release: [] };
for (const name of names) await measure(name, 'free'); // warm-up
if (process.env.LAB_PAUSE) {
  // For `callgrind_control -z` on the server: counters then cover only the measured rounds.
  console.log('lab: set up, measuring in 3 s');
  await new Promise((resolve) => setTimeout(resolve, 3000));
}
await references(); // warm-up
for (let round = 0; round < rounds; round++) {
  refs.push(await references());
  for (let i = 0; i < names.length; i++) {
    const name = names[(i + round) % names.length]!;
    const [m1, f] = await measure(name, 'free');
    const [m2, r] = await measure(name, 'release');
    results[name]!.malloc.push(m1, m2);
    results[name]!.free.push(f);
    results[name]!.release.push(r);
  }
}
console.log(
  `${callgrindPid ? 'Redis kilo-instructions' : 'Redis µs'} per call, median of ${rounds} rounds, batches of ${batch}, pool of ${POOL}`,
);
console.log(`${'variant'.padEnd(22)} malloc   free  release  malloc+free`);
for (const name of names) {
  const r = results[name]!;
  const [m, f, rel] = [median(r.malloc), median(r.free), median(r.release)];
  console.log(
    `${name.padEnd(22)} ${m.toFixed(2).padStart(6)} ${f.toFixed(2).padStart(6)} ${rel.toFixed(2).padStart(8)} ${(m + f).toFixed(2).padStart(12)}`,
  );
}
const ref = (k: 'floor' | 'acquire' | 'release') => median(refs.map((r) => r[k]));
console.log(
  `${'floor (2 × trivial)'.padEnd(22)} ${ref('floor').toFixed(2).padStart(6)} ${ref('floor').toFixed(2).padStart(6)} ${''.padStart(8)} ${(2 * ref('floor')).toFixed(2).padStart(12)}`,
);
console.log(
  `${'redis-semaphore'.padEnd(22)} ${ref('acquire').toFixed(2).padStart(6)} ${ref('release').toFixed(2).padStart(6)} ${''.padStart(8)} ${(ref('acquire') + ref('release')).toFixed(2).padStart(12)}   (acquire, release)`,
);
await env.close();
