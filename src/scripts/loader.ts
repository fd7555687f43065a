/**
 * The one way Lua reaches Redis: fixed script files, composed once at module load, sent with
 * EVALSHA; only when the server answers NOSCRIPT (restart, SCRIPT FLUSH, a new cluster node) is the
 * full source sent with EVAL, which also caches it again. Names never enter Lua source: every key
 * and value travels in KEYS/ARGV (upstream F14, F15).
 */
import { createHash } from 'node:crypto';
import type { RedisConnection, RedisReply } from '../client/index.js';
import { composeWith, usedParagraphs } from './compose.js';
import poolInclude from './includes/pool.lua';

/** Shared helpers a script pulls in with a line `-- @include <name>`. */
const INCLUDES: Readonly<Record<string, string>> = { pool: poolInclude };

/**
 * Replaces every `-- @include <name>` line with the parts of the include the script uses (one
 * level; includes do not nest).
 */
export function composeScript(name: string, body: string): string {
  return composeWith(INCLUDES, name, body);
}

export { usedParagraphs };

export type ScriptArg = string | number;

/** A Lua script with its SHA1, runnable on any client the library supports (standalone or cluster). */
export class LuaScript {
  readonly source: string;
  readonly sha: string;

  constructor(
    readonly name: string,
    body: string,
  ) {
    this.source = composeScript(name, body);
    this.sha = createHash('sha1').update(this.source).digest('hex');
  }

  /**
   * Runs the script: EVALSHA, falling back to EVAL on NOSCRIPT. On a cluster the first key routes
   * the call (every key of one script shares a slot).
   */
  async run(
    connection: RedisConnection,
    keys: readonly string[],
    args: readonly ScriptArg[],
  ): Promise<RedisReply> {
    try {
      return await connection.send('EVALSHA', [this.sha, keys.length, ...keys, ...args], keys[0]);
    } catch (error) {
      if (!isNoScript(error)) throw error;
      return connection.send('EVAL', [this.source, keys.length, ...keys, ...args], keys[0]);
    }
  }
}

function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT');
}
