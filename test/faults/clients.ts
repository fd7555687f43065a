/**
 * Clients of both families for the fault suite, with the retry settings the README recommends for
 * a fleet: reconnect quickly (every 50 ms) and let `operationTimeout` bound each call.
 */
import { Cluster, Redis } from 'ioredis';
import { createClient, createCluster, createSentinel } from 'redis';
import type { RedisClient } from '../../src/index.js';

export const FAMILIES = ['ioredis', 'node-redis'] as const;
export type Family = (typeof FAMILIES)[number];

/** Where clients connect: one address, a sentinel, or a cluster's startup nodes. */
export type Target =
  | { kind: 'server'; port: number }
  | { kind: 'sentinel'; port: number; masterName: string }
  | { kind: 'cluster'; ports: number[] };

export interface OpenedClient {
  readonly client: RedisClient;
  close(): Promise<void>;
}

const RECONNECT_MS = 50;
const HOST = '127.0.0.1';

export async function openClient(family: Family, target: Target): Promise<OpenedClient> {
  return family === 'ioredis' ? openIoredis(target) : openNodeRedis(target);
}

/** An ioredis client for the suite's own bookkeeping (watcher, fault injection, checks). */
export function openIoredis(target: Target): OpenedClient & { client: Redis | Cluster } {
  const retryStrategy = () => RECONNECT_MS;
  let client: Redis | Cluster;
  if (target.kind === 'server') client = new Redis(target.port, HOST, { retryStrategy });
  else if (target.kind === 'sentinel')
    client = new Redis({
      sentinels: [{ host: HOST, port: target.port }],
      name: target.masterName,
      retryStrategy,
      sentinelRetryStrategy: retryStrategy,
    });
  else
    client = new Cluster(
      target.ports.map((port) => ({ host: HOST, port })),
      { clusterRetryStrategy: retryStrategy },
    );
  client.on('error', () => undefined); // connection errors are the point of the suite
  return { client, close: async () => client.disconnect() };
}

async function openNodeRedis(target: Target): Promise<OpenedClient> {
  const socket = { reconnectStrategy: () => RECONNECT_MS };
  const client =
    target.kind === 'server'
      ? createClient({ url: `redis://${HOST}:${target.port}`, socket })
      : target.kind === 'sentinel'
        ? createSentinel({
            name: target.masterName,
            sentinelRootNodes: [{ host: HOST, port: target.port }],
            nodeClientOptions: { socket },
            sentinelClientOptions: { socket },
          })
        : createCluster({
            rootNodes: target.ports.map((port) => ({ url: `redis://${HOST}:${port}` })),
            defaults: { socket },
          });
  client.on('error', () => undefined);
  await client.connect();
  return {
    client: client as unknown as RedisClient,
    close: async () => {
      await Promise.resolve(client.destroy()).catch(() => undefined);
    },
  };
}
