/**
 * EXPERIMENT (issue 13), not part of `npm run bench`: what a script's server time is made of.
 * Each probe is a tiny script (or Redis Function) run many times in pipelined batches; its Redis
 * time per call is read from `INFO commandstats` (evalsha / fcall usec per call), probes
 * interleaved over rounds, medians printed. Server time per call does not depend on pipelining,
 * so batches keep the client out of the way.
 * Run: `node --import tsx bench/experiments/lua-costs.ts [rounds] [callsPerBatch]`.
 */
import type { Redis } from 'ioredis';
import { commandStats, diffStats, openBenchRedis } from '../lib/redis.js';
import { median } from '../lib/stats.js';

const rounds = Number(process.argv[2] ?? 7);
const calls = Number(process.argv[3] ?? 20_000);
const BATCH = 500;

const repeat = (n: number, line: string) => Array.from({ length: n }, () => line).join('\n');
const fns = (n: number) =>
  Array.from({ length: n }, (_, i) => `local function f${i}(a, b) return a .. b .. '${i}' end`).join('\n');
const decode = `local a = string.find(v, '||', 1, true)
local b = string.find(v, '||', a + 2, true)
local p, n, e = string.sub(v, 1, a - 1), string.sub(v, a + 2, b - 1), string.sub(v, b + 2)`;

/** name → [script body, numkeys, args]; keys: k:str (string), k:hash (1000 fields), k:zset, k:ctr. */
const PROBES: Record<string, string> = {
  'return 1': 'return 1',
  'EXISTS (the floor)': "return redis.call('EXISTS', KEYS[1])",
  '1 × GET': "redis.call('GET', KEYS[1]) return 1",
  '4 × GET': `${repeat(4, "redis.call('GET', KEYS[1])")} return 1`,
  '8 × GET': `${repeat(8, "redis.call('GET', KEYS[1])")} return 1`,
  '8 × EXISTS': `${repeat(8, "redis.call('EXISTS', KEYS[1])")} return 1`,
  '8 × HGET': `${repeat(8, "redis.call('HGET', KEYS[2], 'r000500')")} return 1`,
  '8 × SET': `${repeat(8, "redis.call('SET', KEYS[1], 'r000123')")} return 1`,
  '8 × SET NX PX (held)': `${repeat(8, "redis.call('SET', KEYS[1], 'tok', 'NX', 'PX', 600000)")} return 1`,
  '8 × HSET 2 fields': `${repeat(8, "redis.call('HSET', KEYS[2], 'r000500', 'r000499||r000501||-1', 'r000501', 'r000500||r000502||-1')")} return 1`,
  '8 × pcall GET': `${repeat(8, "redis.pcall('GET', KEYS[1])")} return 1`,
  '8 × INCR': `${repeat(8, "redis.call('INCR', KEYS[4])")} return 1`,
  '8 × ZADD': `${repeat(8, "redis.call('ZADD', KEYS[3], 1700000000, 'r000500')")} return 1`,
  '8 × ZSCORE': `${repeat(8, "redis.call('ZSCORE', KEYS[3], 'r000500')")} return 1`,
  '15 local functions': `${fns(15)} return 1`,
  '40 local functions': `${fns(40)} return 1`,
  '8 × decode': `local v = ARGV[1]\n${repeat(8, decode)} return 1`,
  '8 × encode': `local v = ARGV[1]\n${repeat(8, "local x = 'r000123' .. '||' .. 'r000124' .. '||' .. '-1'")} return 1`,
  '8 × table {}': `${repeat(8, 'local t = { 1, 2, 3 }')} return 1`,
  TIME: "redis.call('TIME') return 1",
  'return a key (bulk)': "return 'r000123'",
  'setresp(3) + GET': "redis.setresp(3) redis.call('GET', KEYS[1]) return 1",
};
/** Probes that get 14 ARGV instead of 1 (the malloc calling convention). */
const WIDE = new Set(['return 1 (14 args)']);
PROBES['return 1 (14 args)'] = 'return 1';

const FUNCTION_LIBRARY = `#!lua name=probe
${fns(15).replaceAll('local function', 'local function')}
redis.register_function('probe_return1', function(keys, args) return 1 end)
redis.register_function('probe_get8', function(keys, args)
${repeat(8, "redis.call('GET', keys[1])")}
return 1 end)
redis.register_function('probe_exists', function(keys, args) return redis.call('EXISTS', keys[1]) end)
`;

const env = await openBenchRedis();
const client = await env.client();
const admin = await env.client();
await client.set('k:str', 'r000123');
await client.set('k:ctr', '0');
for (let i = 0; i < 1000; i += 100) {
  const fields: string[] = [];
  for (let j = i; j < i + 100; j++) fields.push(`r${String(j).padStart(6, '0')}`, 'r000001||r000002||-1');
  await client.hset('k:hash', ...fields);
  const members: (string | number)[] = [];
  for (let j = i; j < i + 100; j++) members.push(1700000000 + j, `r${String(j).padStart(6, '0')}`);
  await client.zadd('k:zset', ...members);
}
const KEYS = ['k:str', 'k:hash', 'k:zset', 'k:ctr'];
const ARGS1 = ['r000123||r000124||-1'];
const ARGS14 = [...ARGS1, ...Array.from({ length: 13 }, (_, i) => `arg-value-${i}`)];

const shas: Record<string, string> = {};
for (const [name, body] of Object.entries(PROBES)) shas[name] = (await client.script('LOAD', body)) as string;
let functions = true;
try {
  await client.call('FUNCTION', 'LOAD', 'REPLACE', FUNCTION_LIBRARY);
} catch (error) {
  functions = false;
  console.log(`FUNCTION LOAD unavailable: ${(error as Error).message}`);
}
const fcallProbes = functions ? ['FCALL probe_return1', 'FCALL probe_exists', 'FCALL probe_get8'] : [];

async function perCall(redis: Redis, name: string): Promise<number> {
  const before = await commandStats(admin);
  for (let done = 0; done < calls; done += BATCH) {
    const pipeline = redis.pipeline();
    for (let i = 0; i < BATCH; i++) {
      if (name.startsWith('FCALL ')) pipeline.call('FCALL', name.slice(6), 4, ...KEYS, ...ARGS1);
      else pipeline.evalsha(shas[name]!, 4, ...KEYS, ...(WIDE.has(name) ? ARGS14 : ARGS1));
    }
    await pipeline.exec();
  }
  const diff = diffStats(before, await commandStats(admin));
  const top = name.startsWith('FCALL ') ? diff.fcall : diff.evalsha;
  return top!.usec / top!.calls;
}

const names = [...Object.keys(PROBES), ...fcallProbes];
const results: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
for (let round = 0; round < rounds; round++) {
  for (let i = 0; i < names.length; i++) {
    const name = names[(i + round) % names.length]!;
    results[name]!.push(await perCall(client, name));
  }
}
console.log(
  `Redis µs per call, median of ${rounds} rounds of ${calls} calls (Redis ${(await admin.info('server')).match(/redis_version:(\S+)/)?.[1]})`,
);
for (const name of names) console.log(`${name.padEnd(24)} ${median(results[name]!).toFixed(2).padStart(6)}`);
await env.close();
