/**
 * The demo's pool on the dashboard: the command to open it, or (`--dashboard`) the dashboard itself,
 * served by the built `redis-allocator` command for as long as the demo runs.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../dist/cli.cjs', import.meta.url));

/** The command a user runs (in another terminal, while the demo runs) to watch the pool. */
export function dashboardCommand(url: string, prefix: string): string {
  return `npx redis-allocator dashboard --url ${url} --prefix ${prefix}`;
}

/** Serves the dashboard of `prefix` on a free loopback port; resolves with its URL. */
export async function serveDashboard(
  url: string,
  prefix: string,
): Promise<{ url: string; stop: () => Promise<void> }> {
  const args = [CLI, 'dashboard', '--url', url, '--prefix', prefix, '--port', '0', '--interval', '0.5'];
  const child: ChildProcess = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const address = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the dashboard did not start: ${output}`)), 20_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /(http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    child.once('exit', (code) => reject(new Error(`the dashboard exited with ${code}: ${output}`)));
  });
  return {
    url: address,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
