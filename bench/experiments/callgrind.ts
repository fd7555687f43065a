/**
 * The server side of callgrind-lab.sh: with LAB_CALLGRIND_PID (a redis-server run under
 * `valgrind --tool=callgrind --callgrind-out-file=$LAB_CALLGRIND_OUT`), the instructions the server
 * ran during a piece of work — counters zeroed before, dumped after — immune to other processes'
 * load, unlike wall-clock µs.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export const callgrindPid = process.env.LAB_CALLGRIND_PID;

/** Instructions the callgrind-run server executed during `run`. */
export async function serverInstructions(run: () => Promise<unknown>): Promise<number> {
  if (!callgrindPid) throw new Error('serverInstructions needs LAB_CALLGRIND_PID (see callgrind-lab.sh)');
  const control = (flag: string) =>
    execFileSync('callgrind_control', [flag, callgrindPid], { stdio: 'pipe' });
  control('-z');
  await run();
  control('-d');
  const out = process.env.LAB_CALLGRIND_OUT!;
  const newest = readdirSync(dirname(out))
    .filter((f) => f.startsWith(`${basename(out)}.`))
    .map((f) => join(dirname(out), f))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0]!;
  return Number(/^(?:totals|summary): (\d+)/m.exec(readFileSync(newest, 'utf8'))![1]);
}
