/**
 * The one way Lua reaches Redis: fixed script files, composed once at module load, sent with
 * EVALSHA; only when the server answers NOSCRIPT (restart, SCRIPT FLUSH, a new cluster node) is the
 * full source sent with EVAL, which also caches it again. Names never enter Lua source: every key
 * and value travels in KEYS/ARGV (upstream F14, F15).
 */
import { createHash } from 'node:crypto';
import type { RedisConnection, RedisReply } from '../client/index.js';
import poolInclude from './includes/pool.lua';
import poolEditInclude from './includes/pool-edit.lua';

/** Shared helpers a script pulls in with a line `-- @include <name>`. */
const INCLUDES: Readonly<Record<string, string>> = { pool: poolInclude, 'pool-edit': poolEditInclude };

/** An include line; it may be indented (malloc includes its rare-path helpers inside a function). */
const INCLUDE_LINE = /^[ \t]*--\s*@include\s+([\w-]+)\s*$/gm;

/**
 * Replaces every `-- @include <name>` line with the parts of that include the script uses.
 * Includes do not nest, but their helpers may use each other's: the paragraphs kept are those the
 * script needs across all its includes, each written at its own include line.
 */
export function composeScript(name: string, body: string, includes = INCLUDES): string {
  const names = [...body.matchAll(INCLUDE_LINE)].map((match) => match[1]!);
  for (const include of names) {
    if (includes[include] === undefined) throw new Error(`script ${name}: unknown include "${include}"`);
  }
  const kept = usedParagraphsOf(
    names.map((include) => includes[include]!),
    body,
  );
  return body.replace(INCLUDE_LINE, (_line, include: string) => kept[names.indexOf(include)]!);
}

/**
 * Tree-shakes an include: it is split into blank-line-separated paragraphs, each defining
 * top-level locals (`local function f`, `local a, b = …`), and only the paragraphs whose names the
 * script uses, directly or through other kept paragraphs, are kept, in their original order.
 * Redis runs the whole script body on every call, so each unused `local function` would be a
 * closure created for nothing on the hot path.
 */
export function usedParagraphs(include: string, body: string): string {
  return usedParagraphsOf([include], body)[0]!;
}

/** `usedParagraphs` over several includes at once: a paragraph of one may need another's. */
function usedParagraphsOf(includes: readonly string[], body: string): string[] {
  const paragraphs = includes.flatMap((text, source) =>
    text
      .split(/\n\s*\n/)
      .map((paragraph) => ({ source, text: paragraph, names: definedNames(paragraph) }))
      .filter((paragraph) => paragraph.names.length > 0),
  );
  const kept = new Set<number>();
  let searched = stripComments(body);
  for (let changed = true; changed; ) {
    changed = false;
    paragraphs.forEach((paragraph, index) => {
      if (kept.has(index) || !paragraph.names.some((n) => new RegExp(`\\b${n}\\b`).test(searched))) return;
      kept.add(index);
      searched += `\n${stripComments(paragraph.text)}`;
      changed = true;
    });
  }
  return includes.map((_, source) =>
    paragraphs
      .filter((paragraph, index) => paragraph.source === source && kept.has(index))
      .map((paragraph) => paragraph.text)
      .join('\n\n'),
  );
}

const DEFINITION = /^local\s+(?:function\s+(\w+)|([\w\s,]+?)\s*(?:=|$))/gm;

function definedNames(paragraph: string): string[] {
  const names: string[] = [];
  for (const match of paragraph.matchAll(DEFINITION)) {
    if (match[1]) names.push(match[1]);
    else if (match[2]) names.push(...match[2].split(',').map((n) => n.trim()));
  }
  return names;
}

function stripComments(lua: string): string {
  return lua.replace(/--.*$/gm, '');
}

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
