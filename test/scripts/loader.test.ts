import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { composeScript, usedParagraphs } from '../../src/scripts/loader.js';

const include = [
  '-- header comment',
  'local rcall = redis.call\nlocal a, b = KEYS[1], KEYS[2]',
  'local function used()\n  return rcall("GET", a)\nend',
  '-- via used2\nlocal function helper()\n  return 1\nend',
  'local function used2()\n  return helper()\nend',
  'local function unused()\n  return used()\nend',
].join('\n\n');

describe('script composition', () => {
  it('keeps only the include paragraphs a script uses, directly or through other helpers', () => {
    const text = usedParagraphs(include, 'return used() + used2()');
    expect(text).toContain('local function used()');
    expect(text).toContain('local function helper()');
    expect(text).toContain('local rcall');
    expect(text).not.toContain('unused');
  });

  it('does not count a name that only appears in a comment of the script', () => {
    expect(usedParagraphs(include, '-- unused()\nreturn used()')).not.toContain('unused');
  });

  it('keeps the included paragraphs in their original order', () => {
    const text = usedParagraphs(include, 'return used2() + used()');
    expect(text.indexOf('local rcall')).toBeLessThan(text.indexOf('function used()'));
    expect(text.indexOf('function helper()')).toBeLessThan(text.indexOf('function used2()'));
  });

  it('rejects an unknown include', () => {
    expect(() => composeScript('x', '-- @include nothing\nreturn 1')).toThrow(/unknown include/);
  });

  it('a composed allocator script defines no helper it does not use', () => {
    const source = composeScript('free', '-- @include pool\nreturn returnToFreeList(ARGV[2], nil)');
    expect(source).toContain('local function returnToFreeList');
    expect(source).not.toContain('local function gcStep');
    expect(source).not.toContain('local function expiryIn');
  });

  it('keeps the helpers one include needs from another, each at its own include line', () => {
    const includes = {
      base: 'local rcall = redis.call\n\nlocal function unused()\n  return 1\nend',
      extra: 'local function step()\n  return rcall("GET", "k")\nend',
    };
    const source = composeScript(
      'x',
      '-- @include base\nlocal function rare()\n  -- @include extra\n  return step()\nend',
      includes,
    );
    expect(source.indexOf('local rcall')).toBeLessThan(source.indexOf('local function rare'));
    expect(source.indexOf('local function step')).toBeGreaterThan(source.indexOf('local function rare'));
    expect(source).not.toContain('unused');
  });

  it('the hot path of malloc defines only a few local functions; the list-editing helpers only inside the rare path', () => {
    const body = readFileSync(new URL('../../src/scripts/allocator/malloc.lua', import.meta.url), 'utf8');
    const source = composeScript('malloc', body);
    const rare = source.indexOf('local function editing()');
    const rareEnd = source.indexOf('return edit\nend', rare);
    const topLevel = source.slice(0, rare) + source.slice(rareEnd);
    expect(topLevel.match(/local function/g)?.length).toBeLessThanOrEqual(6);
    expect(source.slice(rare, rareEnd)).toContain('local function gcStep');
  });
});
