/**
 * Counts the commands one connection really sends to Redis, as the server sees them (MONITOR on
 * the run's private server), not as a mock would: "rejected before any Redis call" is then a fact
 * measured at the server. The commands of one action are those the connection sent between two
 * marker ECHOs it sends itself, so other connections and other test files never interfere.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { inject } from 'vitest';

interface Seen {
  source: string;
  args: string[];
}

export class CommandMonitor {
  private readonly seen: Seen[] = [];

  private constructor(private readonly monitor: Redis) {
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      this.seen.push({ source, args });
    });
  }

  /** Opens a MONITOR connection on the run's private server. */
  static async start(): Promise<CommandMonitor> {
    const connection = new Redis(inject('redisUrl'));
    return new CommandMonitor(await connection.monitor());
  }

  /**
   * Runs `action` and returns every command `client` sent meanwhile (name and arguments), in
   * order. `action` may throw: its error is ignored here, the caller asserts it separately.
   */
  async commandsDuring(client: Redis, action: () => Promise<unknown>): Promise<string[][]> {
    const address = /\baddr=(\S+)/.exec(String(await client.call('CLIENT', 'INFO')))?.[1];
    if (address === undefined) throw new Error('CLIENT INFO did not name the address');
    const marker = `monitor-marker:${randomBytes(6).toString('hex')}`;
    await client.echo(`${marker}:start`);
    await action().catch(() => undefined);
    await client.echo(`${marker}:end`);
    const isMarker = (entry: Seen, edge: string) =>
      entry.source === address &&
      entry.args[0]?.toLowerCase() === 'echo' &&
      entry.args[1] === `${marker}:${edge}`;
    const deadline = Date.now() + 10_000;
    while (!this.seen.some((entry) => isMarker(entry, 'end'))) {
      if (Date.now() > deadline) throw new Error('MONITOR never showed the end marker');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const start = this.seen.findIndex((entry) => isMarker(entry, 'start'));
    const end = this.seen.findIndex((entry) => isMarker(entry, 'end'));
    const during = this.seen.slice(start + 1, end).filter((entry) => entry.source === address);
    this.seen.splice(0, end + 1);
    return during.map((entry) => entry.args.map((arg) => arg.slice(0, 60)));
  }

  async stop(): Promise<void> {
    this.monitor.disconnect();
  }
}
