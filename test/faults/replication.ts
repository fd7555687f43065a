/**
 * A private primary with one replica whose replication link the suite can stall (it lags), and
 * the failover an operator performs when the primary dies.
 */
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import {
  type PrivateRedisServer,
  promoteReplica,
  redisCli,
  startRedisServer,
  startReplica,
  waitFor,
} from '../../tools/redis-server.js';
import { RedisProxy } from './proxy.js';

export interface ReplicatedSet {
  primary: PrivateRedisServer;
  /** The replica; its link runs through `link`. */
  replica: PrivateRedisServer;
  /** The replica's replication link. */
  link: RedisProxy;
  stop(): Promise<void>;
}

export async function startReplicatedSet(): Promise<ReplicatedSet> {
  const servers: PrivateRedisServer[] = [];
  let link: RedisProxy | undefined;
  const stop = async () => {
    await link?.stop();
    await Promise.all(servers.map((server) => server.stop()));
  };
  try {
    const primary = await startRedisServer();
    servers.push(primary);
    link = await RedisProxy.start(primary.port);
    const replica = await startReplica(link.port);
    servers.push(replica);
    return {
      primary,
      replica,
      link,
      stop: async () => {
        await stop();
        await Promise.all(added.splice(0).map((server) => server.stop()));
      },
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Replicas started after a failover, stopped with their set. */
const added: PrivateRedisServer[] = [];

export interface Failover {
  /** When the primary was killed (`performance.now()`). */
  killAt: number;
  /** Gives the promoted replica a new replica of its own (what durability needs to serve again). */
  addReplica(): Promise<void>;
}

/**
 * The failover: the replica's link stops delivering for `lagMs` (the replica falls behind, as on
 * a slow network), the primary is SIGKILLed, the link is cut (what it held is lost), and the
 * operator promotes the replica (`REPLICAOF NO ONE`).
 */
export async function failOver(set: ReplicatedSet, lagMs: number): Promise<Failover> {
  // Start from a replica that caught up, so the lag is the stall's, not the loaded machine's.
  const target = replicationOffset(set.primary.port, 'master_repl_offset');
  await waitFor(() => replicationOffset(set.replica.port, 'slave_repl_offset') >= target, 10);
  set.link.hold();
  await new Promise((resolve) => setTimeout(resolve, lagMs));
  const killAt = performance.now();
  await set.primary.stop();
  await set.link.stop();
  promoteReplica(set.replica);
  return {
    killAt,
    addReplica: async () => {
      added.push(await startReplica(set.replica.port));
    },
  };
}

/** A replication offset from `INFO replication` (`master_repl_offset` / `slave_repl_offset`). */
function replicationOffset(port: number, field: string): number {
  const match = new RegExp(`${field}:(\\d+)`).exec(redisCli(port, 'INFO', 'replication'));
  return match ? Number(match[1]) : -1;
}

/** A direct client on one server (for checks right after a failover). */
export function direct(server: { port: number }): Redis {
  const client = new Redis(server.port, '127.0.0.1', { maxRetriesPerRequest: 1 });
  client.on('error', () => undefined);
  return client;
}
