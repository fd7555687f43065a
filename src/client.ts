import type { Cluster, Redis } from 'ioredis';

/** The Redis client this library drives: an ioredis standalone or cluster client. */
export type RedisClient = Redis | Cluster;

/** True for an ioredis `Cluster` (every key of one allocator must then share a hash slot). */
export function isClusterClient(client: RedisClient): boolean {
  return (client as { isCluster?: boolean }).isCluster === true;
}
