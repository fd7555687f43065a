/**
 * Private `redis-server` processes for tests, benchmarks and the demo.
 *
 * Nothing here touches the shared server on 6379: every server gets a free port, its own temp
 * directory, no persistence unless asked (`aof`), and is killed with the process that started it.
 * The fault suite's topologies live here too: AOF servers that crash and restart, replicas, and
 * sentinels.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PrivateRedisServer {
  readonly port: number;
  readonly url: string;
  readonly process: ChildProcess;
  /** Kills the server and removes its directory. Safe to call twice. */
  stop(): Promise<void>;
}

export const REDIS_SERVER_MISSING_MESSAGE =
  'redis-server was not found on PATH. Install it (Debian/Ubuntu: `sudo apt-get install redis-server`) ' +
  'or point the run at an existing server with REDIS_URL=redis://host:port.';

/** Thrown when no `redis-server` binary is available. */
export class RedisServerMissingError extends Error {
  override readonly name = 'RedisServerMissingError';
  constructor() {
    super(REDIS_SERVER_MISSING_MESSAGE);
  }
}

/** True when a `redis-server` binary can be executed. */
export function hasRedisServer(binary = 'redis-server'): boolean {
  const probe = spawnSync(binary, ['--version'], { stdio: 'ignore' });
  return probe.error === undefined && probe.status === 0;
}

/** A TCP port that was free a moment ago (the kernel picks it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Keeps a dead server's port taken, as a dead host's address stays: every connection is cut at
 * once. Without it, another test's new server can bind the port while clients still try it, and a
 * client that trusts the address (ioredis after a sentinel failover checks only `role:master`,
 * which any fresh server has) works on a stranger's dataset. Resolves with a function that frees
 * the port again.
 */
export async function holdPort(port: number): Promise<() => Promise<void>> {
  const server = createServer((socket) => socket.destroy());
  server.unref();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return () => new Promise<void>((resolve) => server.close(() => resolve()));
}

export interface StartRedisOptions {
  /** Extra `redis-server` arguments, e.g. `['--cluster-enabled', 'yes']`. */
  extraArgs?: string[];
  /** Seconds to wait for the server to answer. Default 10. */
  startTimeout?: number;
  /** Port to listen on (a restart reuses its port). Default: a free port. */
  port?: number;
  /**
   * Data directory to use (a restart reuses its AOF); the caller owns and removes it. Default: a
   * new temp directory that `stop()` removes.
   */
  dir?: string;
  /** Persist every write before answering: `appendonly yes`, `appendfsync always`. Default off. */
  aof?: boolean;
}

/** Starts a private `redis-server` on a free port and resolves once it accepts connections. */
export async function startRedisServer(options: StartRedisOptions = {}): Promise<PrivateRedisServer> {
  if (!hasRedisServer()) throw new RedisServerMissingError();
  const deadline = Date.now() + (options.startTimeout ?? 10) * 1000;
  for (let attempt = 0; ; attempt++) {
    const port = options.port ?? (await freePort());
    const ownsDir = options.dir === undefined;
    const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'redis-allocator-'));
    const persistence = options.aof
      ? ['--appendonly', 'yes', '--appendfsync', 'always']
      : ['--appendonly', 'no'];
    const args = [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      ...persistence,
      // A replica's full sync starts at once instead of waiting 5 s for other replicas.
      '--repl-diskless-sync-delay',
      '0',
      '--dir',
      dir,
      '--loglevel',
      'warning',
      ...(options.extraArgs ?? []),
    ];
    // Detached: a Ctrl-C in the terminal goes to our process group only; we stop the server ourselves.
    const child = spawn('redis-server', args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    let exited = false;
    child.on('exit', () => {
      exited = true;
    });
    const killOnExit = () => child.kill('SIGKILL');
    const stop = async (): Promise<void> => {
      process.off('exit', killOnExit);
      if (!exited) {
        const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.ref(); // keep Node alive until the exit event arrives (the server is unref'd once up)
        child.kill('SIGKILL');
        await gone;
      }
      if (ownsDir) rmSync(dir, { recursive: true, force: true });
    };
    while (!exited && Date.now() < deadline) {
      if (pingOk(port)) {
        // Tie the server's life to ours: a crashed test run must not leave servers behind.
        process.once('exit', killOnExit);
        child.unref();
        child.stderr?.removeAllListeners('data');
        (child.stderr as unknown as { unref?: () => void } | null)?.unref?.();
        return { port, url: `redis://127.0.0.1:${port}`, process: child, stop };
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await stop();
    // A port race (someone took the port between probe and bind) is retried; anything else is fatal.
    if (attempt < 3 && options.port === undefined && /Address already in use/i.test(stderr)) continue;
    throw new Error(`redis-server on port ${port} did not start: ${stderr.trim() || 'timeout'}`);
  }
}

function pingOk(port: number): boolean {
  const result = spawnSync('redis-cli', ['-p', String(port), 'PING'], { encoding: 'utf8', timeout: 2000 });
  return result.status === 0 && result.stdout.trim() === 'PONG';
}

export interface PrivateRedisCluster {
  readonly nodes: PrivateRedisServer[];
  /** `{ host, port }` of every master, for `new Cluster(startupNodes)`. */
  readonly startupNodes: { host: string; port: number }[];
  stop(): Promise<void>;
}

/** Starts `masters` private servers in cluster mode and joins them (no replicas). */
export async function startRedisCluster(masters = 3): Promise<PrivateRedisCluster> {
  const nodes: PrivateRedisServer[] = [];
  try {
    for (let i = 0; i < masters; i++) {
      nodes.push(
        await startRedisServer({
          extraArgs: ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf'],
        }),
      );
    }
    const addresses = nodes.map((node) => `127.0.0.1:${node.port}`);
    const create = spawnSync(
      'redis-cli',
      ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes'],
      { encoding: 'utf8', timeout: 30_000 },
    );
    if (create.status !== 0) throw new Error(`cluster create failed: ${create.stdout}${create.stderr}`);
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      const ok = nodes.every((node) => {
        const info = spawnSync('redis-cli', ['-p', String(node.port), 'CLUSTER', 'INFO'], {
          encoding: 'utf8',
        });
        return info.stdout.includes('cluster_state:ok');
      });
      if (ok) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } catch (error) {
    await Promise.all(nodes.map((node) => node.stop()));
    throw error;
  }
  return {
    nodes,
    startupNodes: nodes.map((node) => ({ host: '127.0.0.1', port: node.port })),
    stop: async () => {
      await Promise.all(nodes.map((node) => node.stop()));
    },
  };
}

// ---- persistence, replication and sentinel (the fault suite) -----------------------------------

/** Runs `redis-cli -p port args…` and returns its trimmed output. */
export function redisCli(port: number, ...args: string[]): string {
  const result = spawnSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8', timeout: 5000 });
  return (result.stdout ?? '').trim();
}

/** A server with an append-only file fsynced on every write, which can crash and come back. */
export interface AofRedisServer {
  readonly port: number;
  readonly url: string;
  /** SIGKILL: no shutdown, no final save; only what the AOF already holds survives. */
  crash(): Promise<void>;
  /** Starts the server again on the same port and directory (it replays the AOF). */
  restart(): Promise<void>;
  /** Kills the server and removes its directory. Safe to call twice. */
  stop(): Promise<void>;
}

/** Starts a private `appendonly yes` / `appendfsync always` server. */
export async function startAofServer(): Promise<AofRedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'redis-allocator-aof-'));
  let server: PrivateRedisServer;
  try {
    server = await startRedisServer({ dir, aof: true });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const { port, url } = server;
  return {
    port,
    url,
    crash: () => server.stop(),
    restart: async () => {
      server = await startRedisServer({ dir, aof: true, port, startTimeout: 30 });
    },
    stop: async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Starts a private replica of the server on `primaryPort` and waits until its link is up. */
export async function startReplica(primaryPort: number): Promise<PrivateRedisServer> {
  const replica = await startRedisServer({
    extraArgs: ['--replicaof', '127.0.0.1', String(primaryPort), '--replica-read-only', 'yes'],
  });
  try {
    await waitFor(() => redisCli(replica.port, 'INFO', 'replication').includes('master_link_status:up'), 15);
  } catch (error) {
    await replica.stop();
    throw error;
  }
  return replica;
}

/** Makes a replica a primary (`REPLICAOF NO ONE`), as an operator does after losing the primary. */
export function promoteReplica(replica: { port: number }): void {
  const answer = redisCli(replica.port, 'REPLICAOF', 'NO', 'ONE');
  if (answer !== 'OK') throw new Error(`REPLICAOF NO ONE on ${replica.port} answered ${answer}`);
}

/** Name under which the private sentinels monitor their primary. */
export const SENTINEL_MASTER_NAME = 'faults-primary';

export interface PrivateSentinel {
  readonly port: number;
  /** The monitored primary's name (`SENTINEL_MASTER_NAME`). */
  readonly masterName: string;
  /** The current primary's port, as this sentinel sees it. */
  primaryPort(): number | null;
  /** The sentinel's log so far (its view of the failover, for a failing test's report). */
  log(): string;
  stop(): Promise<void>;
}

/** True when Debian's `redis-sentinel` binary is installed. */
export function hasRedisSentinel(): boolean {
  return hasRedisServer('redis-sentinel');
}

/**
 * Starts a private `redis-sentinel` monitoring the primary on `primaryPort` (quorum 1, so one
 * sentinel can fail over): it declares the primary down after `downAfterMs` of silence.
 */
export async function startSentinel(primaryPort: number, downAfterMs = 1000): Promise<PrivateSentinel> {
  if (!hasRedisSentinel()) {
    throw new Error(
      'redis-sentinel was not found on PATH (Debian/Ubuntu: `sudo apt-get install redis-sentinel`)',
    );
  }
  const dir = mkdtempSync(join(tmpdir(), 'redis-allocator-sentinel-'));
  const port = await freePort();
  const config = join(dir, 'sentinel.conf');
  writeFileSync(
    config,
    [
      `port ${port}`,
      'bind 127.0.0.1',
      `dir ${dir}`,
      `logfile ${join(dir, 'sentinel.log')}`,
      `sentinel monitor ${SENTINEL_MASTER_NAME} 127.0.0.1 ${primaryPort} 1`,
      `sentinel down-after-milliseconds ${SENTINEL_MASTER_NAME} ${downAfterMs}`,
      `sentinel failover-timeout ${SENTINEL_MASTER_NAME} 3000`, // a stuck replica re-point is retried soon
      `sentinel parallel-syncs ${SENTINEL_MASTER_NAME} 1`,
      '',
    ].join('\n'),
  );
  const child = spawn('redis-sentinel', [config], { stdio: 'ignore', detached: true });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  let exited = false;
  child.on('exit', () => {
    exited = true;
  });
  const stop = async (): Promise<void> => {
    process.off('exit', killOnExit);
    if (!exited) {
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.ref();
      child.kill('SIGKILL');
      await gone;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const primaryPortSeen = (): number | null => {
    const lines = redisCli(port, 'SENTINEL', 'get-master-addr-by-name', SENTINEL_MASTER_NAME).split('\n');
    return lines.length === 2 ? Number(lines[1]) : null;
  };
  try {
    await waitFor(() => !exited && primaryPortSeen() === primaryPort, 15);
  } catch (error) {
    await stop();
    throw error;
  }
  child.unref();
  const log = (): string => {
    try {
      return readFileSync(join(dir, 'sentinel.log'), 'utf8');
    } catch {
      return '';
    }
  };
  return { port, masterName: SENTINEL_MASTER_NAME, primaryPort: primaryPortSeen, log, stop };
}

/** Polls `condition` every 50 ms until it holds; throws after `seconds`. */
export async function waitFor(condition: () => boolean, seconds: number): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${seconds} s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
