/**
 * The deliberate bugs of `npm run test:mutants` stay applicable: each one's text occurs exactly once
 * in its file, so a refactoring of the guarded code fails here, in every `npm test`, instead of
 * only when someone runs that mutant.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MUTANTS } from '../../tools/mutants/list.js';

describe('mutant list', () => {
  it.each(MUTANTS.map((mutant) => [mutant.id, mutant] as const))(
    '%s still applies to its file',
    (_id, mutant) => {
      const text = readFileSync(new URL(`../../${mutant.file}`, import.meta.url), 'utf8');
      expect(text.split(mutant.find).length - 1).toBe(1);
      expect(mutant.replace).not.toBe(mutant.find);
    },
  );

  it('ids are unique', () => {
    const ids = MUTANTS.map((mutant) => mutant.id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
