/** Result records of the suite, the terminal table and the JSON file. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { judge, TARGETS, type Target, unmeasuredTargets, type Verdict } from './targets.js';

/** One measured figure: median and spread over rounds (or samples). */
export interface Row {
  label: string;
  unit: string;
  median: number;
  min: number;
  max: number;
  n: number;
}

/** A ratio against a baseline measured in the same run, with its per-round spread. */
export interface Ratio {
  id: string;
  label: string;
  value: number;
  min: number;
  max: number;
  target?: Target;
  verdict?: Verdict;
}

/** A pass/fail fact that noise cannot move (command counts, forbidden commands). */
export interface Check {
  id: string;
  label: string;
  pass: boolean;
  detail: string;
}

export interface FigureResult {
  id: string;
  title: string;
  rows: Row[];
  ratios: Ratio[];
  checks: Check[];
  notes: string[];
  seconds: number;
}

/** Builds a ratio and judges it when issue 5 sets a target for its id. */
export function ratio(id: string, label: string, value: number, min: number, max: number): Ratio {
  const target = TARGETS[id];
  return target
    ? { id, label, value, min, max, target, verdict: judge(value, target) }
    : { id, label, value, min, max };
}

/**
 * The check that every target set for `figure` was measured (none when the figure has no target):
 * a renamed ratio or a dropped subject fails the run instead of leaving a target unchecked.
 */
export function targetCoverage(figure: Pick<FigureResult, 'id' | 'ratios'>): Check[] {
  const expected = Object.values(TARGETS).filter((target) => target.figure === figure.id).length;
  if (expected === 0) return [];
  const missing = unmeasuredTargets(
    figure.id,
    figure.ratios.map((r) => r.id),
  );
  return [
    {
      id: `${figure.id}/targets`,
      label: `every ${figure.id} target measured`,
      pass: missing.length === 0,
      detail: missing.length === 0 ? `${expected} of ${expected}` : `no ratio for ${missing.join(', ')}`,
    },
  ];
}

function fmt(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 1000) return Math.round(value).toLocaleString('en-US');
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function formatRatios(ratios: readonly Ratio[]): string {
  return table(
    ['ratio', 'value', 'spread', 'target', 'verdict'],
    ratios.map((r) => [
      r.label,
      fmt(r.value),
      `${fmt(r.min)}–${fmt(r.max)}`,
      r.target ? `${r.target.op} ${r.target.value}` : '',
      r.verdict ?? '',
    ]),
  );
}

export function formatChecks(checks: readonly Check[]): string {
  return table(
    ['check', 'result', 'detail'],
    checks.map((c) => [c.label, c.pass ? 'pass' : 'FAIL', c.detail]),
  );
}

export function formatRows(rows: readonly Row[]): string {
  return table(
    ['figure (this machine)', 'median', 'min–max', 'n', 'unit'],
    rows.map((r) => [r.label, fmt(r.median), `${fmt(r.min)}–${fmt(r.max)}`, String(r.n), r.unit]),
  );
}

export function writeJson(path: string, data: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(data, null, 2)}\n`);
}
