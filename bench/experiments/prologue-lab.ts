/**
 * EXPERIMENT (issue 9): what a queueing malloc's Redis cost is made of. Under callgrind-lab.sh,
 * kilo-instructions per call of: a trivial script (the floor), malloc.lua cut short right after its
 * includes (the prologue: the helpers' closures and locals, built on every call) with a plain
 * call's 7 KEYS + 10 ARGV and with one of each, release.lua's prologue with its 4 KEYS + 7 ARGV,
 * and the whole malloc queueing a ticket (the waiting call's 7 KEYS + 15 ARGV; it queues on the
 * fast path, before the prologue).
 * Run: `LAB_SCRIPT=prologue-lab.ts bench/experiments/callgrind-lab.sh 2000`
 */
import { register } from 'node:module';

register('./lua-text-hook.mjs', import.meta.url);
const { callgrindPid, serverInstructions } = await import('./callgrind.js');
const { allocatorScripts } = await import('../../src/allocator/scripts.js');
const { RedisAllocator } = await import('../../src/index.js');
const { openBenchRedis } = await import('../lib/redis.js');
const { TRIVIAL_SCRIPT } = await import('../lib/subjects.js');

if (!callgrindPid) throw new Error('run under bench/experiments/callgrind-lab.sh');
const calls = Number(process.argv[2] ?? 2000);
const env = await openBenchRedis();
const client = await env.client();
const pool = new RedisAllocator(client, 'lab:prologue');
await pool.extend(['only']);
await pool.acquireLease({ timeout: 600 }); // the free list is empty: a waiting malloc queues
const k = pool.redisKeys;
const keys = [k.pool, k.head, k.tail, k.gcCursor, k.gcGate, k.fence, k.deadlines];
const argsFor = (i: number) => [
  k.lockPrefix,
  '0',
  '60000',
  String(Date.now()),
  '1',
  `holder:${i}`,
  '0',
  '0',
  '',
  k.bindPrefix,
  '0',
  `lab:${i}`,
  'lab',
  '0',
  '',
];
/** Loads a script; SCRIPT LOAD answers its SHA1. */
const load = async (text: string) => String(await client.script('LOAD', text));
/** The script ended right before `firstLine`, the first line after its includes. */
const prologueOf = (source: string, firstLine: string) =>
  load(source.replace(firstLine, `do return 1 end\n${firstLine}`));
const trivial = await load(TRIVIAL_SCRIPT);
const prologue = await prologueOf(allocatorScripts.malloc.source, "local shared = ARGV[2] == '1'");
const whole = await load(allocatorScripts.malloc.source);
async function per(run: (i: number) => Promise<unknown>): Promise<string> {
  const total = await serverInstructions(async () => {
    for (let i = 0; i < calls; i += 100) await Promise.all(Array.from({ length: 100 }, (_, j) => run(i + j)));
  });
  return (total / calls / 1000).toFixed(1);
}
console.log(`trivial EVALSHA: ${await per(() => client.evalsha(trivial, 1, 'lab:floor'))} kinstr`);
console.log(
  `malloc prologue, 7 KEYS + 10 ARGV: ${await per((i) => client.evalsha(prologue, 7, ...keys, ...argsFor(i).slice(0, 10)))} kinstr`,
);
console.log(
  `malloc prologue, 1 KEY + 1 ARGV: ${await per(() => client.evalsha(prologue, 1, k.pool, k.lockPrefix))} kinstr`,
);
const releaseCut = await prologueOf(allocatorScripts.release.source, 'local pairsCount =');
const releaseKeys = [k.pool, k.head, k.tail, k.deadlines];
const releaseArgs = (i: number) => [
  k.lockPrefix,
  '',
  '0',
  String(Date.now()),
  'only',
  `holder:${i}@1`,
  'lab',
];
console.log(
  `release prologue, 4 KEYS + 7 ARGV: ${await per((i) => client.evalsha(releaseCut, 4, ...releaseKeys, ...releaseArgs(i)))} kinstr`,
);
console.log(
  `whole malloc, queueing: ${await per((i) => client.evalsha(whole, 7, ...keys, ...argsFor(i)))} kinstr`,
);
await env.close();
