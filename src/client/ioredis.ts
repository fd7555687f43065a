/**
 * Adapter for ioredis 5 and 6 and iovalkey (an ioredis fork with the same API): `Redis` and
 * `Cluster`. `call()` routes cluster commands by their first key, EVALSHA included.
 */
import { RedisUnavailableError } from '../errors.js';
import { mapClientError } from './errors.js';
import { normalizeReply } from './reply.js';
import { hashSlot } from './slot.js';
import type {
  DedicatedConnection,
  IoredisLikeClient,
  RedisArg,
  RedisConnection,
  RedisReply,
} from './types.js';

type Caller = { call(command: string, ...args: RedisArg[]): Promise<unknown> };

/** The parts of an ioredis `Cluster` that find the master serving a slot. */
type ClusterNodes = {
  slots: string[][];
  nodes(role: 'master'): Array<Caller & { options: { host?: string; port?: number } }>;
};

/** Commands that name no key, so `Cluster.call()` would send them to a random node. */
const KEYLESS_ROUTED = new Set(['WAIT']);

export class IoredisConnection implements RedisConnection {
  readonly family = 'ioredis' as const;
  readonly isCluster: boolean;
  readonly operationTimeoutMs = Number.POSITIVE_INFINITY;

  constructor(protected readonly client: IoredisLikeClient) {
    this.isCluster = (client as { isCluster?: boolean }).isCluster === true;
  }

  // Not `async`: one promise fewer per command on the hot path.
  send(command: string, args: readonly RedisArg[], routingKey?: string): Promise<RedisReply> {
    let reply: Promise<unknown>;
    try {
      const client =
        this.isCluster && routingKey !== undefined && KEYLESS_ROUTED.has(command)
          ? this.nodeServing(routingKey)
          : (this.client as unknown as Caller);
      reply = client.call(command, ...args);
    } catch (error) {
      return Promise.reject(mapClientError(error, command));
    }
    return reply.then(normalizeReply, (error: unknown) => {
      throw mapClientError(error, command);
    });
  }

  /**
   * The socket (`stream`) under the connection serving `routingKey`: ioredis opens a new one on
   * every reconnect, and re-sends unanswered commands on it (`autoResendUnfulfilledCommands`).
   */
  connectionMark(routingKey?: string): unknown {
    if (!this.isCluster) return (this.client as { stream?: unknown }).stream;
    if (routingKey === undefined) return undefined;
    try {
      return (this.nodeServing(routingKey) as { stream?: unknown }).stream;
    } catch {
      return Symbol('no master'); // matches nothing: a WAIT then confirms nothing
    }
  }

  /**
   * The cluster's own connection to the master of `key`'s slot: `WAIT` must follow the write on the
   * connection that carried it.
   */
  private nodeServing(key: string): Caller {
    const cluster = this.client as unknown as ClusterNodes;
    const address = cluster.slots[hashSlot(key)]?.[0];
    const node = cluster.nodes('master').find(({ options }) => `${options.host}:${options.port}` === address);
    if (node === undefined)
      throw new RedisUnavailableError(
        `no connected master serves the slot of ${key}; the operation may or may not have been applied`,
      );
    return node;
  }

  async openDedicated(): Promise<DedicatedConnection> {
    // A duplicate has the same address, options and (for a cluster) startup nodes; it must not be
    // lazy, so blocking reads start on a live socket.
    const duplicate = this.client.duplicate() as IoredisLikeClient & {
      connect(): Promise<void>;
      quit(): Promise<unknown>;
      disconnect(): void;
      on(event: 'error', listener: () => void): void;
    };
    // A dropped socket rejects (or, reconnected, re-sends) the pending read, which is how the owner
    // learns of it; without a listener ioredis prints every 'error' as an unhandled error event.
    duplicate.on('error', () => {});
    if (duplicate.status === 'wait') await duplicate.connect();
    return new DedicatedIoredisConnection(duplicate);
  }
}

class DedicatedIoredisConnection extends IoredisConnection implements DedicatedConnection {
  #closed = false;

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const client = this.client as IoredisLikeClient & { disconnect(): void };
    // disconnect() rather than quit(): a pending BLPOP would otherwise hold QUIT until it times out.
    client.disconnect();
  }
}
