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
    expect(source).toContain('local function linkAtTail');
    expect(source).not.toContain('local function gcStep');
    expect(source).not.toContain('local function detachHead');
  });
});
