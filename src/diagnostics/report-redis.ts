/** Server facts and the rates between two reports. */
import type { RedisConnection } from '../client/index.js';
import { readServerFacts } from './redis-access.js';
import type { PoolCounters, PoolReport, PressureSection, RedisSection } from './report-types.js';

/** Commands that run a Lua script: each allocator operation is one of these. */
const SCRIPT_COMMANDS = ['eval', 'evalsha', 'eval_ro', 'evalsha_ro'];

/** INFO and SLOWLOG; a server that refuses them (ACLs, a managed service) yields zeros and `error`. */
export async function redisSection(
  connection: RedisConnection,
  poolKey: string,
  sampleLimit: number,
): Promise<RedisSection> {
  try {
    return { ...(await readServerFacts(connection, poolKey, sampleLimit)), error: null };
  } catch (error) {
    return {
      usedMemory: 0,
      connectedClients: 0,
      commandStats: {},
      slowlog: [],
      ownScriptCalls: 0,
      error: (error as Error).message,
    };
  }
}

/** Rates since `previous` (a report of the same pool); `null` without one or with no time between. */
export function pressureSection(
  now: { timestamp: number; redis: RedisSection; pool: PoolCounters },
  previous: PoolReport | undefined,
): PressureSection | null {
  if (previous === undefined) return null;
  const intervalSeconds = now.timestamp - previous.timestamp;
  if (!(intervalSeconds > 0)) return null;
  const commandDeltas: Record<string, number> = {};
  let total = 0;
  let scripts = 0;
  for (const [name, stat] of Object.entries(now.redis.commandStats)) {
    const delta = stat.calls - (previous.redis.commandStats[name]?.calls ?? 0);
    if (delta <= 0) continue;
    commandDeltas[name] = delta;
    total += delta;
    if (SCRIPT_COMMANDS.includes(name)) scripts += delta;
  }
  const own = now.redis.ownScriptCalls - previous.redis.ownScriptCalls;
  return {
    intervalSeconds,
    redisOpsPerSecond: total / intervalSeconds,
    scriptCallsPerSecond: Math.max(0, scripts - own) / intervalSeconds,
    allocatorKeyspaceDelta: now.pool.total - previous.pool.total,
    commandDeltas,
  };
}
