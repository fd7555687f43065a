/**
 * Adapter for ioredis 5 and 6 and iovalkey (an ioredis fork with the same API): `Redis` and
 * `Cluster`. `call()` routes cluster commands by their first key, EVALSHA included.
 */
import { mapClientError } from './errors.js';
import { normalizeReply } from './reply.js';
import type {
  DedicatedConnection,
  IoredisLikeClient,
  RedisArg,
  RedisConnection,
  RedisReply,
} from './types.js';

export class IoredisConnection implements RedisConnection {
  readonly family = 'ioredis' as const;
  readonly isCluster: boolean;

  constructor(protected readonly client: IoredisLikeClient) {
    this.isCluster = (client as { isCluster?: boolean }).isCluster === true;
  }

  async send(command: string, args: readonly RedisArg[], _routingKey?: string): Promise<RedisReply> {
    try {
      const client = this.client as unknown as {
        call(command: string, ...args: RedisArg[]): Promise<unknown>;
      };
      return normalizeReply(await client.call(command, ...args));
    } catch (error) {
      throw mapClientError(error, command);
    }
  }

  async openDedicated(): Promise<DedicatedConnection> {
    // A duplicate has the same address, options and (for a cluster) startup nodes; it must not be
    // lazy, so blocking reads start on a live socket.
    const duplicate = this.client.duplicate() as IoredisLikeClient & {
      connect(): Promise<void>;
      quit(): Promise<unknown>;
      disconnect(): void;
    };
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
