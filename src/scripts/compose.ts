/**
 * Script composition, free of any file loading so that tools (the benchmark's before/after
 * comparison) can compose other versions of the scripts exactly as the library does.
 */

const INCLUDE_LINE = /^--\s*@include\s+(\w+)\s*$/gm;

/**
 * Replaces every `-- @include <name>` line of `body` with the parts of `includes[name]` the script
 * uses (one level; includes do not nest).
 */
export function composeWith(includes: Readonly<Record<string, string>>, name: string, body: string): string {
  return body.replace(INCLUDE_LINE, (_line, include: string) => {
    const text = includes[include];
    if (text === undefined) throw new Error(`script ${name}: unknown include "${include}"`);
    return usedParagraphs(text, body);
  });
}

/**
 * Tree-shakes an include: it is split into blank-line-separated paragraphs, each defining
 * top-level locals (`local function f`, `local a, b = …`), and only the paragraphs whose names the
 * script uses, directly or through other kept paragraphs, are kept, in their original order.
 * Redis runs the whole script body on every call, so each unused `local function` would be a
 * closure created for nothing on the hot path.
 */
export function usedParagraphs(include: string, body: string): string {
  const paragraphs = include
    .split(/\n\s*\n/)
    .map((text) => ({ text, names: definedNames(text) }))
    .filter((paragraph) => paragraph.names.length > 0);
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
  return paragraphs
    .filter((_, index) => kept.has(index))
    .map((paragraph) => paragraph.text)
    .join('\n\n');
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
