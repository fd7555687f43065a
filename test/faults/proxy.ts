/**
 * A TCP proxy standing for the address clients are given (a DNS name, a virtual IP): the fault
 * suite points it at the promoted replica, as an operator or an orchestrator would, and every
 * client follows on its next reconnect, whatever its family.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export class RedisProxy {
  readonly port: number;
  private readonly sockets = new Set<Socket>();
  /** Upstream sockets, whose replies (or replication stream) `hold()` stops forwarding. */
  private readonly upstreams = new Map<Socket, Socket>();

  private constructor(
    private readonly server: Server,
    private target: number,
  ) {
    this.port = (server.address() as { port: number }).port;
  }

  /** Listens on a free port and forwards every connection to `127.0.0.1:targetPort`. */
  static async start(targetPort: number): Promise<RedisProxy> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const proxy = new RedisProxy(server, targetPort);
    server.on('connection', (client) => proxy.forward(client));
    return proxy;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** New connections go to `targetPort`; open ones are cut, so clients reconnect there. */
  retarget(targetPort: number): void {
    this.target = targetPort;
    for (const socket of this.sockets) socket.destroy();
  }

  /**
   * Stops forwarding what the server sends (a network that delays one direction): for a replica
   * behind this proxy, the replication stream piles up here and is lost when the link is cut.
   */
  hold(): void {
    for (const [upstream, client] of this.upstreams) {
      upstream.unpipe(client);
      upstream.pause();
    }
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private forward(client: Socket): void {
    const upstream = connect(this.target, '127.0.0.1');
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.setNoDelay(true);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        this.sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    this.upstreams.set(upstream, client);
    upstream.on('close', () => this.upstreams.delete(upstream));
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
