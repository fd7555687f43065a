/**
 * `connectionMark`: the same while one connection carries the commands, different once a
 * reconnect replaced it. Durability relies on it to know that a `WAIT` ran on the connection that
 * carried the write it confirms.
 */
import { describe, expect, it } from 'vitest';
import { toConnection } from '../../src/client/index.js';
import { CLIENT_KINDS, libraryClient } from '../helpers/clients.js';
import { testClient } from '../helpers/redis.js';

describe.each(CLIENT_KINDS)('connectionMark (%s)', (kind) => {
  it('stays the same across commands on one connection', async () => {
    const connection = toConnection(libraryClient(kind));
    await connection.send('PING', []);
    const mark = connection.connectionMark('k');
    await connection.send('SET', ['mark:k', 'v']);
    await connection.send('GET', ['mark:k']);
    expect(connection.connectionMark('k')).toBe(mark);
  });

  it('changes when a reconnect replaced the connection', async () => {
    const client = libraryClient(kind);
    // A dropped socket is an 'error' event, which node-redis throws without a listener.
    (client as unknown as { on(event: string, listener: () => void): void }).on('error', () => {});
    const connection = toConnection(client);
    const id = await connection.send('CLIENT', ['ID']);
    const mark = connection.connectionMark('k');
    await testClient().call('CLIENT', 'KILL', 'ID', String(id));
    // The client reconnects on its own; a command after that goes out on the new connection.
    let reply: unknown;
    for (let attempt = 0; attempt < 50; attempt++) {
      reply = await connection.send('CLIENT', ['ID']).catch(() => undefined);
      if (reply !== undefined) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(reply).not.toBe(id);
    expect(connection.connectionMark('k')).not.toBe(mark);
  });
});
