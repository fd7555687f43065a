/**
 * Adapter for node-redis (`redis`) 5 and 6: `createClient()` and `createCluster()`, RESP2 or RESP3.
 * node-redis sends only strings, so numbers are formatted here; a client that is not open is
 * refused at once with `ClientNotReadyError` instead of waiting on a socket that will never come.
 */
import { ClientNotReadyError } from '../errors.js';
import { mapClientError } from './errors.js';
import { normalizeReply } from './reply.js';
import { hashSlot } from './slot.js';
import type {
  DedicatedConnection,
  NodeRedisLikeClient,
  NodeRedisLikeCluster,
  RedisArg,
  RedisConnection,
  RedisReply,
} from './types.js';

type ClientSend = { sendCommand(argv: string[]): Promise<unknown> };
type SentinelSend = { sendCommand(isReadonly: boolean, argv: string[]): Promise<unknown> };
type ClusterNodes = {
  getSlotMaster(slot: number): unknown;
  nodeClient(node: unknown): Promise<ClientSend> | ClientSend;
};
type ClusterSend = {
  sendCommand(firstKey: string | undefined, isReadonly: boolean, argv: string[]): Promise<unknown>;
};

type NodeRedisAny = (NodeRedisLikeClient | NodeRedisLikeCluster) & {
  duplicate(): NodeRedisAny;
  connect(): Promise<unknown>;
  close?(): Promise<void>;
  quit?(): Promise<unknown>;
  destroy?(): void;
};

/** Commands that name no key, so a cluster client would not route them to the write's node. */
const KEYLESS_ROUTED = new Set(['WAIT']);

/** Which node-redis factory made the client: their `sendCommand` signatures differ. */
export type NodeRedisKind = 'client' | 'cluster' | 'sentinel';

/** Events after which commands may go out on a socket that did not carry the earlier ones. */
const RECONNECT_EVENTS: Record<NodeRedisKind, readonly string[]> = {
  client: ['connect', 'reconnecting'],
  cluster: ['node-connect', 'node-reconnecting', 'node-disconnect'],
  sentinel: ['connect', 'reconnecting', 'topology-change'],
};

type Emitter = { on(event: string, listener: () => void): unknown };
const epochs = new WeakMap<object, { count: number }>();

function connectionEpoch(client: object, kind: NodeRedisKind): { count: number } {
  let epoch = epochs.get(client);
  if (epoch === undefined) {
    const counter = { count: 0 };
    for (const event of RECONNECT_EVENTS[kind]) (client as Emitter).on(event, () => counter.count++);
    epochs.set(client, counter);
    epoch = counter;
  }
  return epoch;
}

export class NodeRedisConnection implements RedisConnection {
  readonly family = 'node-redis' as const;
  readonly operationTimeoutMs = Number.POSITIVE_INFINITY;
  readonly isCluster: boolean;

  constructor(
    protected readonly client: NodeRedisAny,
    readonly kind: NodeRedisKind,
  ) {
    this.isCluster = kind === 'cluster';
  }

  /**
   * How many (re)connections node-redis reported (its socket is private): a command queued while
   * the socket was down is written on the next one, before which it emits `connect` (a cluster:
   * `node-connect` of any node; a sentinel also `topology-change`). Counted from the first call.
   */
  connectionMark(): unknown {
    return connectionEpoch(this.client, this.kind).count;
  }

  /** On a cluster, `routingKey` picks the slot's master for keyless commands (`WAIT`) too. */
  send(command: string, args: readonly RedisArg[], routingKey?: string): Promise<RedisReply> {
    if (!this.client.isOpen) {
      return Promise.reject(
        new ClientNotReadyError(
          `the node-redis client is not connected: call \`await client.connect()\` before using it (${command} was not sent)`,
        ),
      );
    }
    const argv = [command];
    for (const arg of args) argv.push(typeof arg === 'string' ? arg : String(arg));
    let reply: Promise<unknown>;
    try {
      // A sentinel client sends on its leased master connection; with the default
      // `masterPoolSize: 1` that is one connection, so `WAIT` follows the writes it confirms.
      if (this.kind === 'cluster' && routingKey !== undefined && KEYLESS_ROUTED.has(command))
        reply = this.sendToSlotMaster(routingKey, argv);
      else if (this.kind === 'cluster')
        reply = (this.client as unknown as ClusterSend).sendCommand(routingKey, false, argv);
      else if (this.kind === 'sentinel')
        reply = (this.client as unknown as SentinelSend).sendCommand(false, argv);
      else reply = (this.client as unknown as ClientSend).sendCommand(argv);
    } catch (error) {
      return Promise.reject(mapClientError(error, command));
    }
    // Not `async`: one promise fewer per command on the hot path.
    return reply.then(normalizeReply, (error: unknown) => {
      throw mapClientError(error, command);
    });
  }

  /**
   * Sends on the cluster's own connection to the master of `key`'s slot: `WAIT` must follow the
   * write on the connection that carried it (node-redis 6 would otherwise send it to every shard).
   */
  private async sendToSlotMaster(key: string, argv: string[]): Promise<unknown> {
    const cluster = this.client as unknown as ClusterNodes;
    const master = cluster.getSlotMaster(hashSlot(key));
    return (await cluster.nodeClient(master)).sendCommand(argv);
  }

  async openDedicated(): Promise<DedicatedConnection> {
    const duplicate = this.client.duplicate();
    // A dropped socket also rejects the pending command, which is how the owner learns of it; an
    // 'error' event without a listener would crash the process instead.
    (duplicate as unknown as { on(event: 'error', listener: () => void): void }).on('error', () => {});
    await duplicate.connect();
    return new DedicatedNodeRedisConnection(duplicate, this.kind);
  }
}

class DedicatedNodeRedisConnection extends NodeRedisConnection implements DedicatedConnection {
  #closed = false;

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // destroy(): a pending blocking command must not hold the close until it times out.
    if (typeof this.client.destroy === 'function') this.client.destroy();
    else await (this.client.close?.() ?? this.client.quit?.());
  }
}
