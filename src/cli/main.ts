#!/usr/bin/env node
/**
 * `redis-allocator`: look at allocator pools on Redis — `inspect`, `check`, `watch`, `dashboard`.
 * A separate entry point (dist/cli.js): importing the library never loads this file or its
 * dependencies (commander, prom-client), which are bundled into it at build time.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { DIAGNOSE_DEFAULTS } from '../diagnostics/report.js';
import { printCheck } from './commands/check.js';
import { printInspect } from './commands/inspect.js';
import { runWatch } from './commands/watch.js';
import type { CliRedis } from './connect.js';
import { CannotConnectError, connect, maskUrl, openClient } from './connect.js';
import { startDashboard } from './dashboard/server.js';
import { EXIT, EXIT_CODES_HELP } from './exit-codes.js';
import { type CommonOptions, PoolReporter, poolTargets } from './pools.js';

const DEFAULT_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a number of seconds > 0');
  return n;
}

function count(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a non-negative integer');
  return n;
}

function chunkSize(value: string): number | 'auto' {
  return value === 'auto' ? 'auto' : count(value);
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('expected a port 0-65535');
  return n;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** The options every command takes. */
function withCommonOptions(command: Command): Command {
  return command
    .option('--url <url>', 'Redis URL (redis:// or rediss://; default $REDIS_URL)', DEFAULT_URL)
    .requiredOption('--prefix <prefix>', 'allocator prefix; repeat for several pools', collect, [])
    .option('--suffix <suffix>', 'allocator suffix', 'allocator')
    .option('--shared', 'the pools are in shared mode', false)
    .option('--cluster', 'connect to a Redis Cluster (the URL names one node)', false)
    .option('--sample-limit <n>', 'most entries in each sample list', count, DIAGNOSE_DEFAULTS.sampleLimit)
    .option('--scan-limit <n>', 'most keys each advisory SCAN collects', count, DIAGNOSE_DEFAULTS.scanLimit)
    .option(
      '--chunk-size <n|auto>',
      'read the pool in scripts of about n entries (0 = one atomic script; auto = chunks of 2000 above 10 000 entries)',
      chunkSize,
      'auto' as const,
    )
    .addHelpText('after', EXIT_CODES_HELP);
}

/** Connects, runs `body`, always disconnects. A connection failure is exit code 2. */
async function withRedis(
  options: CommonOptions,
  persistent: boolean,
  body: (redis: CliRedis) => Promise<number>,
): Promise<number> {
  if (options.prefix.length === 0)
    throw new CommanderError(EXIT.usage, 'usage', 'error: --prefix is required');
  const redis = await connect({ url: options.url, cluster: options.cluster, persistent, connectTimeout: 5 });
  try {
    return await body(redis);
  } finally {
    redis.disconnect();
  }
}

function reporterOf(redis: CliRedis, options: CommonOptions): PoolReporter {
  return new PoolReporter(poolTargets(redis, options), {
    sampleLimit: options.sampleLimit,
    scanLimit: options.scanLimit,
    chunkSize: options.chunkSize,
  });
}

/** Resolves on Ctrl-C or SIGTERM. */
function untilStopped(): { signal: AbortSignal; stopped: Promise<void> } {
  const controller = new AbortController();
  const stopped = new Promise<void>((resolve) => {
    const stop = () => {
      controller.abort();
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return { signal: controller.signal, stopped };
}

export function buildProgram(setExitCode: (code: number) => void): Command {
  const program = new Command('redis-allocator')
    .description('Look at redis-allocator pools: inspect, check, watch, dashboard (all read-only)')
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .addHelpText('after', EXIT_CODES_HELP);

  withCommonOptions(program.command('inspect').description('print a report of each pool'))
    .option('--json', 'print the report as JSON', false)
    .action(async (options: CommonOptions & { json: boolean }) => {
      setExitCode(
        await withRedis(options, false, async (redis) =>
          printInspect(await reporterOf(redis, options).tick(), options),
        ),
      );
    });

  withCommonOptions(
    program.command('check').description('exit 0 when every pool is sound, 1 when one is corrupt'),
  ).action(async (options: CommonOptions) => {
    setExitCode(
      await withRedis(options, false, async (redis) => printCheck(await reporterOf(redis, options).tick())),
    );
  });

  withCommonOptions(
    program.command('watch').description('a live view, redrawn in place (plain lines when piped)'),
  )
    .option('--interval <seconds>', 'seconds between reports', seconds, 1)
    .addOption(
      new Option('--count <n>', 'stop after n reports (0 = until Ctrl-C)').argParser(count).default(0),
    )
    .action(async (options: CommonOptions & { interval: number; count: number }) => {
      setExitCode(
        await withRedis(options, true, async (redis) => {
          const { signal } = untilStopped();
          await runWatch(reporterOf(redis, options), options, signal);
          return EXIT.ok;
        }),
      );
    });

  withCommonOptions(
    program.command('dashboard').description('serve a live web page, /api/snapshot, /api/events, /metrics'),
  )
    .option('--interval <seconds>', 'seconds between reports', seconds, 1)
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--port <port>', 'port to bind (0 = any free port)', port, 8765)
    .action(async (options: CommonOptions & { interval: number; host: string; port: number }) => {
      if (options.prefix.length === 0)
        throw new CommanderError(EXIT.usage, 'usage', 'error: --prefix is required');
      // Unlike the one-shot commands, an unreachable Redis is shown on the page, not fatal.
      const redis = await openClient({
        url: options.url,
        cluster: options.cluster,
        persistent: true,
        connectTimeout: 5,
      });
      const dashboard = await startDashboard(reporterOf(redis, options), options);
      process.stdout.write(
        `dashboard of ${options.prefix.join(', ')} on ${maskUrl(options.url)}: ${dashboard.url}\n`,
      );
      await untilStopped().stopped;
      await dashboard.close();
      redis.disconnect();
      setExitCode(EXIT.ok);
    });
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = buildProgram((code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (
        error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.help' ||
        error.code === 'commander.version'
      )
        return EXIT.ok;
      if (error.code === 'usage') process.stderr.write(`${error.message}\n`);
      return EXIT.usage;
    }
    if (error instanceof CannotConnectError) {
      process.stderr.write(`error: ${error.message}\n`);
      return EXIT.cannotConnect;
    }
    process.stderr.write(`error: ${(error as Error).message}\n`);
    return EXIT.cannotConnect;
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
