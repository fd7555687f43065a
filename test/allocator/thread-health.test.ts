/** `RedisThreadHealthCheckPool`: heartbeats per worker, across threads and processes. */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { hostname } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { defaultWorkerId, InvalidArgumentError, RedisThreadHealthCheckPool } from '../../src/index.js';
import { sleep, testClient, uniquePrefix } from '../helpers/redis.js';

const redis = testClient();
const fixture = fileURLToPath(new URL('./fixtures/heartbeat-worker.mjs', import.meta.url));

describe('RedisThreadHealthCheckPool', () => {
  it('defaults the worker id to host:pid:threadId', () => {
    const pool = new RedisThreadHealthCheckPool(redis, uniquePrefix('beat'), 10);
    expect(pool.id).toBe(`${hostname()}:${process.pid}:0`);
    expect(defaultWorkerId()).toBe(pool.id);
  });

  it('update writes the heartbeat and membership under the upstream key names', async () => {
    const identity = uniquePrefix('beat');
    const pool = new RedisThreadHealthCheckPool(redis, identity, 10, { id: 'w1' });
    await pool.update();
    expect(await redis.get(`${identity}|thread-health-check-pool:w1`)).toBe('1');
    expect(await redis.pttl(`${identity}|thread-health-check-pool:w1`)).toBeGreaterThan(9000);
    expect(await redis.smembers(`${identity}|thread-health-check-pool|pool`)).toEqual(['w1']);
  });

  it('counts a member whose heartbeat expired as dead until it is finalized', async () => {
    const identity = uniquePrefix('beat');
    const live = new RedisThreadHealthCheckPool(redis, identity, 10, { id: 'live' });
    const stale = new RedisThreadHealthCheckPool(redis, identity, 0.2, { id: 'stale' });
    await Promise.all([live.initialize(), stale.initialize()]);
    expect(await live.healthCheck()).toEqual({ alive: 2, dead: 0 });
    await sleep(0.35);
    expect(await live.healthCheck()).toEqual({ alive: 1, dead: 1 });
    await stale.finalize();
    expect(await live.healthCheck()).toEqual({ alive: 1, dead: 0 });
  });

  it('finalize removes the membership and the heartbeat', async () => {
    const identity = uniquePrefix('beat');
    const pool = new RedisThreadHealthCheckPool(redis, identity, 10, { id: 'w1' });
    await pool.initialize();
    await pool.finalize();
    expect(await redis.exists(`${identity}|thread-health-check-pool:w1`)).toBe(0);
    expect(await pool.healthCheck()).toEqual({ alive: 0, dead: 0 });
  });

  it('rejects a heartbeat timeout that is not positive', () => {
    expect(() => new RedisThreadHealthCheckPool(redis, 'x', 0)).toThrow(InvalidArgumentError);
    expect(() => new RedisThreadHealthCheckPool(redis, 'x', Number.POSITIVE_INFINITY)).toThrow(
      InvalidArgumentError,
    );
  });
});

describe('across worker threads and processes', () => {
  const workers: Worker[] = [];
  const children: ChildProcess[] = [];
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((worker) => worker.terminate()));
    for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  });

  type Message = { id?: string; done?: string; error?: string };

  function startThread(identity: string, timeout: number) {
    const worker = new Worker(fixture, {
      workerData: { url: inject('redisUrl'), identity, timeout },
    });
    workers.push(worker);
    const next = async (): Promise<Message> => (await once(worker, 'message'))[0] as Message;
    return { next, send: (command: string) => worker.postMessage(command) };
  }

  function startProcess(identity: string, timeout: number) {
    const child = spawn(process.execPath, [fixture], {
      env: {
        ...process.env,
        HEARTBEAT_URL: inject('redisUrl'),
        HEARTBEAT_IDENTITY: identity,
        HEARTBEAT_TIMEOUT: String(timeout),
      },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    children.push(child);
    const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
    const next = async (): Promise<Message> => JSON.parse((await lines.next()).value as string) as Message;
    return { next, send: (command: string) => child.stdin!.write(`${command}\n`), child };
  }

  it('tells live, stopped and finalized workers apart across threads and a child process', async () => {
    const identity = uniquePrefix('beat');
    const timeout = 1;
    const main = new RedisThreadHealthCheckPool(redis, identity, timeout);
    await main.initialize();
    const threadA = startThread(identity, timeout);
    const threadB = startThread(identity, timeout);
    const child = startProcess(identity, timeout);
    const ids = await Promise.all([threadA.next(), threadB.next(), child.next()]).then((messages) =>
      messages.map((message) => message.id!),
    );
    expect(new Set([main.id, ...ids]).size).toBe(4);
    expect(ids[0]).toMatch(new RegExp(`^${hostname()}:${process.pid}:[1-9]\\d*$`));
    expect(ids[2]).toBe(`${hostname()}:${child.child.pid}:0`);
    await main.update();
    expect(await main.healthCheck()).toEqual({ alive: 4, dead: 0 });

    threadA.send('stop');
    child.send('finalize');
    expect(await threadA.next()).toEqual({ done: 'stop' });
    expect(await child.next()).toEqual({ done: 'finalize' });
    await sleep(timeout + 0.3);
    await main.update();
    expect(await main.healthCheck()).toEqual({ alive: 2, dead: 1 });
    threadB.send('finalize');
    expect(await threadB.next()).toEqual({ done: 'finalize' });
  });
});
