/**
 * Private `redis-server` processes for tests, benchmarks and the demo.
 *
 * Nothing here touches the shared server on 6379: every server gets a free port, its own temp
 * directory, no persistence, and is killed with the process that started it.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
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

export interface StartRedisOptions {
  /** Extra `redis-server` arguments, e.g. `['--cluster-enabled', 'yes']`. */
  extraArgs?: string[];
  /** Seconds to wait for the server to answer. Default 10. */
  startTimeout?: number;
}

/** Starts a private `redis-server` on a free port and resolves once it accepts connections. */
export async function startRedisServer(options: StartRedisOptions = {}): Promise<PrivateRedisServer> {
  if (!hasRedisServer()) throw new RedisServerMissingError();
  const deadline = Date.now() + (options.startTimeout ?? 10) * 1000;
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'redis-allocator-'));
    const args = [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
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
    const stop = async (): Promise<void> => {
      if (!exited) {
        const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.ref(); // keep Node alive until the exit event arrives (the server is unref'd once up)
        child.kill('SIGKILL');
        await gone;
      }
      rmSync(dir, { recursive: true, force: true });
    };
    while (!exited && Date.now() < deadline) {
      if (pingOk(port)) {
        // Tie the server's life to ours: a crashed test run must not leave servers behind.
        process.once('exit', () => child.kill('SIGKILL'));
        child.unref();
        child.stderr?.removeAllListeners('data');
        (child.stderr as unknown as { unref?: () => void } | null)?.unref?.();
        return { port, url: `redis://127.0.0.1:${port}`, process: child, stop };
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await stop();
    // A port race (someone took the port between probe and bind) is retried; anything else is fatal.
    if (attempt < 3 && /Address already in use/i.test(stderr)) continue;
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
