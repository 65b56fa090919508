/**
 * Reading results (clinical-logic.md section 4): positive / negative, antigen
 * percent of blasts, MRD normalised to percent, marrow blasts. Anything that
 * cannot be read is "unknown" and says so; never a guess.
 */
import type { MrdResult, Positivity } from '../clinical/types';
import type { Terminology } from '../terminology/valuesets';
import { codings, paths, strings } from './paths';

const UCUM = 'http://unitsofmeasure.org';

interface Quantity {
  value?: number;
  comparator?: '<' | '<=' | '>' | '>=';
  unit?: string;
  system?: string;
  code?: string;
}

export interface Reading {
  positivity: Positivity;
  percent?: number;
  /** How a clinician would read the value, e.g. "42 %", "negative (NEG)". */
  display: string;
}

const POSITIVE_INTERPRETATION = new Set(['POS', 'DET']);
const NEGATIVE_INTERPRETATION = new Set(['NEG', 'ND']);

function valueOf(obs: unknown): unknown {
  return paths.value(obs)[0];
}

function isQuantity(v: unknown): v is Quantity {
  return typeof v === 'object' && v !== null && typeof (v as Quantity).value === 'number';
}

function isCodeableConcept(v: unknown): v is { coding?: { system?: string; code?: string; display?: string }[]; text?: string } {
  if (typeof v !== 'object' || v === null || !('coding' in v || 'text' in v) || 'value' in v) return false;
  // A field of the wrong shape makes the value unreadable, never a crash.
  const { coding, text } = v as { coding?: unknown; text?: unknown };
  const codingOk = coding === undefined || (Array.isArray(coding) && coding.every((c) => typeof c === 'object' && c !== null));
  return codingOk && (text === undefined || typeof text === 'string');
}

/** Percent from a UCUM `%` quantity, or a fraction (unit `1`) times 100; undefined for any other unit. */
export function quantityPercent(q: Quantity): number | undefined {
  if (q.value === undefined || !Number.isFinite(q.value)) return undefined;
  const unit = q.code ?? (q.unit === 'percent' ? '%' : q.unit);
  const ucum = q.system === undefined || q.system === UCUM;
  if (unit === '%' && ucum) return q.value;
  if (unit === '1' && ucum) return q.value * 100;
  return undefined;
}

function formatPercent(p: number, comparator?: string): string {
  const n = Number(p.toPrecision(6));
  return `${comparator ? `${comparator} ` : ''}${n} %`;
}

/** Positive / negative from interpretation, a coded value, a boolean, or text that says so. */
export function readPositivity(obs: unknown, t: Terminology): Reading {
  const interp = strings(paths.interpretationCodes(obs));
  for (const code of interp) {
    if (POSITIVE_INTERPRETATION.has(code)) return { positivity: 'positive', display: `positive (${code})` };
    if (NEGATIVE_INTERPRETATION.has(code)) return { positivity: 'negative', display: `negative (${code})` };
  }
  const v = valueOf(obs);
  if (typeof v === 'boolean') return { positivity: v ? 'positive' : 'negative', display: v ? 'positive' : 'negative' };
  if (isCodeableConcept(v)) {
    const cs = v.coding ?? [];
    if (t.any('result-positive', cs)) return { positivity: 'positive', display: conceptText(v) ?? 'positive' };
    if (t.any('result-negative', cs)) return { positivity: 'negative', display: conceptText(v) ?? 'negative' };
    if (v.text) return textPositivity(v.text);
  }
  if (typeof v === 'string') return textPositivity(v);
  return { positivity: 'unknown', display: 'could not be read' };
}

function conceptText(v: { coding?: { display?: string }[]; text?: string }): string | undefined {
  return v.text ?? v.coding?.find((c) => c.display)?.display;
}

/** Text that clearly says negative / positive; negatives are checked first ("not detected"). */
export function textPositivity(text: string): Reading {
  const s = text.trim().toLowerCase();
  if (/\b(undetected|undetectable|negative|absent)\b/.test(s)) return { positivity: 'negative', display: text };
  if (/\b(not|no|none|never|without)\b[^.;]*\b(detected|positive|present|seen|blasts|evidence)\b/.test(s)) return { positivity: 'negative', display: text };
  if (/\b(detected|positive|present|blasts seen)\b/.test(s)) return { positivity: 'positive', display: text };
  return { positivity: 'unknown', display: `could not be read ("${text}")` };
}

/** Surface antigen on blasts: percent >= threshold is positive; else a qualitative reading. */
export function readAntigen(obs: unknown, t: Terminology, positivePercent: number): Reading {
  const v = quantityValue(obs);
  if (isQuantity(v)) {
    const p = quantityPercent(v);
    if (p === undefined) return { positivity: 'unknown', display: `could not be read (unit "${v.unit ?? v.code ?? 'none'}")` };
    if (v.comparator === '<' || v.comparator === '<=') {
      return { positivity: p <= positivePercent ? 'negative' : 'unknown', percent: p, display: `${formatPercent(p, v.comparator)} of blasts` };
    }
    return { positivity: p >= positivePercent ? 'positive' : 'negative', percent: p, display: `${formatPercent(p, v.comparator)} of blasts` };
  }
  return readPositivity(obs, t);
}

/** Detection tests (BCR-ABL1, CSF blasts): a number above zero is detected, zero or "<" is not. */
export function readDetection(obs: unknown, t: Terminology): Reading {
  const v = valueOf(obs);
  if (isQuantity(v) && typeof v.value === 'number') {
    const shown = `${v.comparator ?? ''}${v.value}${v.unit ? ` ${v.unit}` : ''}`;
    if (v.comparator === '<' || v.comparator === '<=' || v.value === 0) return { positivity: 'negative', display: shown };
    return { positivity: 'positive', display: shown };
  }
  return readPositivity(obs, t);
}

/** "<0.01 %", "45%", "0.5 percent" as a percent quantity; undefined for any other text. */
export function percentFromText(text: string): Quantity | undefined {
  const m = /^\s*(<=|>=|<|>)?\s*(\d+(?:\.\d+)?(?:e-?\d+)?)\s*(%|percent)\s*$/i.exec(text);
  if (!m) return undefined;
  return { value: Number(m[2]), comparator: m[1] as Quantity['comparator'], code: '%' };
}

/** The value as a quantity, including a percent written as text. */
function quantityValue(obs: unknown): Quantity | undefined {
  const v = valueOf(obs);
  if (isQuantity(v)) return v;
  if (typeof v === 'string') return percentFromText(v);
  return undefined;
}

/** Marrow blasts in percent; undefined when not a percent quantity. */
export function readMarrowBlasts(obs: unknown): { percent?: number; display: string } {
  const v = quantityValue(obs);
  if (isQuantity(v)) {
    const p = quantityPercent(v);
    if (p !== undefined && v.comparator === undefined) return { percent: p, display: formatPercent(p) };
    if (p !== undefined && (v.comparator === '<' || v.comparator === '<=')) return { percent: p, display: formatPercent(p, v.comparator) };
    return { display: `could not be read (${v.comparator ?? ''}${v.value} ${v.unit ?? v.code ?? 'no unit'})` };
  }
  return { display: 'could not be read' };
}

/** MRD normalised to percent: `%` as is, unit `1` times 100, comparators kept, "not detected" negative. */
export function readMrd(obs: unknown, t: Terminology): Omit<MrdResult, 'date' | 'evidence'> & { display: string } {
  const v = quantityValue(obs);
  if (isQuantity(v)) {
    const p = quantityPercent(v);
    if (p === undefined) return { unreadable: true, display: `could not be read (${v.value} ${v.unit ?? v.code ?? 'no unit'}: not % or a fraction)` };
    return { unreadable: false, percent: p, comparator: v.comparator, display: formatPercent(p, v.comparator) };
  }
  const r = readPositivity(obs, t);
  if (r.positivity === 'unknown') return { unreadable: true, display: r.display };
  return { unreadable: false, coded: r.positivity, display: r.display };
}

/** Lineage stated by an immunophenotype report (coded B-/T-ALL, or text). */
export function readLineage(obs: unknown, t: Terminology): 'B' | 'T' | undefined {
  const v = valueOf(obs);
  const cs = isCodeableConcept(v) ? (v.coding ?? []) : [];
  if (t.any('b-all', cs)) return 'B';
  if (t.any('t-all', cs)) return 'T';
  const text = typeof v === 'string' ? v : isCodeableConcept(v) ? (v.text ?? '') : '';
  const b = /\b(b[- ](cell|lineage|all|precursor)|b-?cell|precursor b)\b/i.test(text);
  const tl = /\b(t[- ](cell|lineage|all)|t-?cell)\b/i.test(text);
  if (b && !tl) return 'B';
  if (tl && !b) return 'T';
  return undefined;
}

/** T315I named in the value or components of an ABL1 mutation result. */
export function reportsT315I(obs: unknown): boolean {
  const v = valueOf(obs);
  const texts = [
    ...(typeof v === 'string' ? [v] : []),
    ...(isCodeableConcept(v) ? [v.text ?? '', ...(v.coding ?? []).map((c) => `${c.code ?? ''} ${c.display ?? ''}`)] : []),
    ...strings(paths.componentText(obs)),
    ...codings(paths.componentCodings(obs)).map((c) => `${c.code ?? ''} ${c.display ?? ''}`),
  ];
  return texts.some((s) => /T315I|Thr315Ile/i.test(s));
}
