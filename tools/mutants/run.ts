/**
 * `npm run test:mutants`: proves the tests can fail. For each deliberate bug of list.ts it makes a
 * copy of the repository in a temporary directory (the real files are never edited), applies the
 * bug there, runs the mutant's test files in the copy, and records which tests failed. The run
 * fails unless every mutant is caught, and prints a table mutant → catching tests. First, the same
 * test files run on an unmutated copy: they must pass there, or "caught" would mean nothing.
 *
 * Usage: `npm run test:mutants [-- id …]` (default: every mutant). Runs one vitest at a time (each
 * with its own private redis-server), niced, so it can share a small machine.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MUTANTS, type Mutant } from './list.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** What a copy needs to build and test; node_modules is linked, dist/ rebuilt when needed. */
const COPIED = [
  'src',
  'test',
  'tools',
  'bench',
  'examples',
  'package.json',
  'tsconfig.json',
  'tsconfig.check.json',
  'vitest.config.ts',
  'tsup.config.ts',
];

interface Outcome {
  /** Names of the failed tests (empty: nothing failed). */
  failed: string[];
  /** vitest exited non-zero without a failed test (a crash, a load error): not a catch. */
  error?: string;
  seconds: number;
}

function copyRepository(): string {
  const dir = mkdtempSync(join(tmpdir(), 'redis-allocator-mutant-'));
  for (const entry of COPIED) {
    if (existsSync(join(ROOT, entry))) cpSync(join(ROOT, entry), join(dir, entry), { recursive: true });
  }
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

/** Applies the mutant to the copy; throws unless its text occurs exactly once. */
function applyMutant(dir: string, mutant: Mutant): void {
  const path = join(dir, mutant.file);
  const source = readFileSync(path, 'utf8');
  const occurrences = source.split(mutant.find).length - 1;
  if (occurrences !== 1) {
    throw new Error(
      `mutant ${mutant.id}: its text occurs ${occurrences} times in ${mutant.file} (expected once): update list.ts`,
    );
  }
  writeFileSync(
    path,
    source.replace(mutant.find, () => mutant.replace),
  );
}

function run(dir: string, command: string[]): { status: number | null; output: string } {
  const result = spawnSync('nice', ['-n', '10', ...command], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, FORCE_COLOR: '0' },
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

function runTests(dir: string, tests: readonly string[], build: boolean): Outcome {
  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;
  if (build) {
    const built = run(dir, [process.execPath, 'node_modules/tsup/dist/cli-default.js']);
    if (built.status !== 0)
      return { failed: [], error: `build failed:\n${built.output}`, seconds: seconds() };
  }
  const report = join(dir, 'vitest-report.json');
  const vitest = join('node_modules', 'vitest', 'vitest.mjs');
  const result = run(dir, [
    process.execPath,
    vitest,
    'run',
    ...tests,
    '--reporter=json',
    `--outputFile=${report}`,
  ]);
  if (!existsSync(report)) {
    return {
      failed: [],
      error: `no report (exit ${result.status}):\n${result.output.slice(-2000)}`,
      seconds: seconds(),
    };
  }
  const json = JSON.parse(readFileSync(report, 'utf8')) as {
    testResults: Array<{
      name: string;
      assertionResults: Array<{ status: string; fullName: string; failureMessages?: string[] }>;
    }>;
  };
  // "file > test name: first line of its failure", so the table shows what the test saw.
  const failed = json.testResults.flatMap((file) =>
    file.assertionResults
      .filter((test) => test.status === 'failed')
      .map((test) => {
        const reason = (test.failureMessages?.[0] ?? '').split('\n')[0]!.slice(0, 160);
        return `${relative(dir, file.name)} > ${test.fullName}: ${reason}`;
      }),
  );
  if (result.status !== 0 && failed.length === 0) {
    return {
      failed,
      error: `vitest failed without a failed test:\n${result.output.slice(-2000)}`,
      seconds: seconds(),
    };
  }
  return { failed, seconds: seconds() };
}

function main(): number {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((id) => !MUTANTS.some((mutant) => mutant.id === id));
  if (unknown.length > 0) throw new Error(`unknown mutant(s): ${unknown.join(', ')}`);
  const mutants = wanted.length > 0 ? MUTANTS.filter((mutant) => wanted.includes(mutant.id)) : MUTANTS;
  const started = performance.now();

  const baselineDir = copyRepository();
  try {
    const tests = [...new Set(mutants.flatMap((mutant) => mutant.tests))];
    console.log(`baseline: ${tests.length} test files on an unmutated copy …`);
    const baseline = runTests(
      baselineDir,
      tests,
      mutants.some((mutant) => mutant.build),
    );
    if (baseline.error || baseline.failed.length > 0) {
      console.error(`the unmutated copy does not pass:\n${baseline.error ?? baseline.failed.join('\n')}`);
      return 1;
    }
    console.log(`baseline passes (${baseline.seconds.toFixed(1)} s)`);
  } finally {
    rmSync(baselineDir, { recursive: true, force: true });
  }

  const rows: Array<{ mutant: Mutant; outcome: Outcome }> = [];
  for (const mutant of mutants) {
    const dir = copyRepository();
    try {
      let outcome: Outcome;
      try {
        applyMutant(dir, mutant);
        outcome = runTests(dir, mutant.tests, mutant.build === true);
      } catch (error) {
        outcome = { failed: [], error: error instanceof Error ? error.message : String(error), seconds: 0 };
      }
      const wanted = mutant.catchingTest;
      if (wanted !== undefined && !outcome.error && outcome.failed.length > 0) {
        // The expected catcher first; without it the mutant is not caught the way it should be.
        const expected = outcome.failed.filter((name) => name.includes(wanted));
        if (expected.length === 0) {
          outcome.error = `the expected test "${wanted}" did not fail (others did: ${outcome.failed[0]})`;
        } else outcome.failed = [...expected, ...outcome.failed.filter((name) => !name.includes(wanted))];
      }
      rows.push({ mutant, outcome });
      const verdict = outcome.error ? 'ERROR' : outcome.failed.length > 0 ? 'caught' : 'SURVIVED';
      console.log(`${verdict.padEnd(8)} ${mutant.id} (${outcome.seconds.toFixed(1)} s)`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  console.log('\nmutant → catching test (first of the failed tests, and how many failed)');
  for (const { mutant, outcome } of rows) {
    const caughtBy = outcome.error
      ? `ERROR: ${outcome.error.split('\n')[0]}`
      : outcome.failed.length === 0
        ? 'SURVIVED: no test failed'
        : `${outcome.failed[0]}${outcome.failed.length > 1 ? ` (+${outcome.failed.length - 1} more)` : ''}`;
    console.log(`- ${mutant.id}: ${mutant.bug}\n    ${caughtBy}`);
  }
  const missed = rows.filter(({ outcome }) => outcome.error || outcome.failed.length === 0);
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `\n${rows.length - missed.length} of ${rows.length} mutants caught in ${seconds.toFixed(0)} s` +
      (missed.length > 0 ? `; not caught: ${missed.map(({ mutant }) => mutant.id).join(', ')}` : ''),
  );
  return missed.length === 0 ? 0 : 1;
}

process.exitCode = main();
