/**
 * CLINICAL INVARIANTS: what the service must never advise, whatever the chart.
 *
 * Each invariant is one clinical sentence and one check of what the clinician
 * would see (the cards' summary and detail, their suggestions, and the
 * stratification), against the truth of the generated chart. A returned string
 * is a violation; an empty list means the response is safe on these counts.
 *
 * Read with clinical-logic.md sections 3, 5 and 7.
 */
import type { Card, CdsResponse } from '../../src/protocol/cds-hooks';
import { STRATIFICATION_EXTENSION } from '../../src/use-case/answer-hook-request';
import { addDays, type Truth } from './chart-generator';

/** What a card shows: summary and detail. */
const shown = (c: Card): string => `${c.summary}\n${c.detail ?? ''}`;
const topic = (c: Card): string => c.source.topic?.code ?? '';

/** The draft orders a card proposes (local order codes: cd19-blasts, mrd-flow, hsct-referral, ...). */
function orders(c: Card): string[] {
  return (c.suggestions ?? []).flatMap((s) =>
    (s.actions ?? []).map((a) => (a.resource as { code?: { coding?: { code?: string }[] } } | undefined)?.code?.coding?.[0]?.code ?? ''),
  );
}

/** An agent offered as targeted therapy, on any card. */
function offersTargeted(cards: Card[], agent: 'Blinatumomab' | 'Inotuzumab ozogamicin'): boolean {
  const antigen = agent === 'Blinatumomab' ? 'CD19' : 'CD22';
  return cards.some(
    (c) =>
      new RegExp(`\\*\\*${agent}\\*\\* \\(${antigen}\\): \\*\\*targeted option\\*\\*`).test(c.detail ?? '') ||
      new RegExp(`^- \\*\\*${agent}\\*\\*: ${antigen} positive`, 'm').test(c.detail ?? '') ||
      new RegExp(`${agent.split(' ')[0].toLowerCase()} \\(${antigen}\\+\\)`).test(c.summary),
  );
}

export function clinicalInvariantViolations(truth: Truth, response: CdsResponse): string[] {
  const v: string[] = [];
  const cards = response.cards;
  const codes = cards.map(topic);
  const card = (code: string): Card | undefined => cards.find((c) => topic(c) === code);
  const strat = response.extension?.[STRATIFICATION_EXTENSION] as Record<string, unknown> | undefined;
  const isB = truth.lineage === 'B';
  const isT = truth.lineage === 'T';

  // 1. A patient without relapsed ALL (no ALL, or ALL in first remission) gets no card.
  if (!truth.relapsedAll) {
    if (cards.length > 0) v.push(`no relapsed ALL, yet cards: ${codes.join(', ')}`);
    return v;
  }

  // 2. Blinatumomab is never targeted for CD19-negative disease, T-ALL, or a CD19 the service did not see positive at relapse.
  if (offersTargeted(cards, 'Blinatumomab') && !(isB && truth.cd19PositiveSeen))
    v.push('blinatumomab offered as targeted without CD19-positive B-ALL at relapse');

  // 3. Inotuzumab is never targeted for CD22-negative disease, T-ALL, or under 1 year of age.
  if (offersTargeted(cards, 'Inotuzumab ozogamicin') && !(isB && truth.cd22PositiveSeen && truth.ageMonths >= 12))
    v.push('inotuzumab offered as targeted outside CD22-positive B-ALL from 1 year');

  // 4. No B-ALL agent on a T-ALL chart; no nelarabine card for B-ALL.
  if (isT && (codes.includes('reinduction-b-all') || codes.includes('car-t-evaluation'))) v.push(`B-ALL card on a T-ALL chart: ${codes.join(', ')}`);
  if (!isT && codes.includes('reinduction-t-all')) v.push('T-ALL (nelarabine) reinduction card without T-ALL');
  if (!isT && /^- \*\*Nelarabine\*\*/m.test(card('novel-therapy-options')?.detail ?? '')) v.push('nelarabine offered for non-T-ALL');

  // 5. CAR-T never for CD19-negative disease or T-ALL; tisagenlecleucel never over 25; adult products never under 18.
  const carT = card('car-t-evaluation');
  if (carT) {
    if (!isB) v.push('CAR-T card without B-ALL');
    if (truth.cd19NegativeSeen) v.push('CAR-T card for CD19-negative disease');
    if (/\*\*Tisagenlecleucel\*\*/.test(carT.detail ?? '') && truth.ageYears > 25) v.push(`tisagenlecleucel offered at ${truth.ageYears} years`);
    if (/\*\*Brexucabtagene\*\*|obecabtagene/.test(carT.detail ?? '') && truth.ageYears < 18) v.push(`adult CAR-T products offered at ${truth.ageYears} years`);
  }

  // 6. Months are never negative; when dates conflict timing is unknown and nothing timing-dependent is advised.
  const months = strat?.monthsFromDiagnosis;
  if (typeof months === 'number' && months < 0) v.push(`negative months from diagnosis: ${months}`);
  if (cards.some((c) => /(^|[^\w-])-\d+ months/.test(shown(c)))) v.push('a card shows negative months');
  if (truth.datesConflict) {
    if (strat?.timing !== 'unknown') v.push(`dates conflict but timing is ${String(strat?.timing)}`);
    if (/^(Early relapse|Late B-ALL)/.test(card('hsct-evaluation')?.summary ?? '')) v.push('HSCT justified by timing although the dates conflict');
    if (codes.includes('chemotherapy-alone-option')) v.push('chemotherapy-alone (a late-relapse option) although the dates conflict');
    if (!/Dates conflict/.test(card('data-gap')?.detail ?? '')) v.push('dates conflict but no data-gap card names it');
  }

  // 7. "After reinduction" / "end-of-reinduction MRD <value>" only when an MRD after reinduction started was seen.
  const start = truth.reinductionStartSeen;
  const eorSeen = start !== undefined && truth.mrdDatesSeen.some((d) => d >= addDays(start, 21));
  for (const c of cards) {
    if (/end-of-reinduction MRD (?!yet)[^\s(]/.test(shown(c)) && !eorSeen && !/refractory marrow/.test(shown(c)))
      v.push(`${topic(c)} cites an end-of-reinduction MRD that the chart does not have`);
    if (/after reinduction/.test(shown(c)) && start === undefined) v.push(`${topic(c)} says "after reinduction" with no reinduction recorded`);
  }

  // 8. Unavailable is unknown: no card claims the absence of unavailable data, fires on it, or orders what it may hold.
  const all = cards.map(shown).join('\n');
  const ordered = cards.flatMap(orders);
  if (truth.unavailable.has('observations')) {
    for (const code of ['antigen-testing', 'cns-evaluation', 'mrd-assessment'])
      if (codes.includes(code)) v.push(`${code} fired although laboratory results were unavailable`);
    if (/not assessed|not re-assessed|No lumbar puncture/.test(all)) v.push('a card claims a result is absent although laboratory results were unavailable');
    for (const o of ['cd19-blasts', 'cd22-blasts', 'mrd-flow', 'abl1-kd-mutation'])
      if (ordered.includes(o)) v.push(`orders ${o} although laboratory results were unavailable`);
  }
  if (truth.unavailable.has('procedures') && codes.includes('cns-evaluation')) v.push('cns-evaluation fired although procedures were unavailable');
  const medsUnavailable = ['medicationRequests', 'medicationAdministrations', 'medicationStatements'].some((k) => truth.unavailable.has(k));
  if (medsUnavailable && (codes.includes('reinduction-b-all') || codes.includes('reinduction-t-all')) && strat?.phase !== 'awaiting-reinduction')
    v.push('a reinduction card without a known phase');
  if (medsUnavailable && strat?.phase === 'awaiting-reinduction') v.push('"awaiting reinduction" claimed although medication data was unavailable');
  if (truth.unavailable.has('serviceRequests') && ordered.includes('hsct-referral')) v.push('HSCT referral proposed although referrals were unavailable');
  if (truth.unavailable.has('researchSubjects') && ordered.includes('clinical-trial-referral'))
    v.push('trial referral proposed although enrolment was unavailable');

  // 9. Every "Data used" reference is a resource of this chart.
  for (const c of cards) {
    const section = (c.detail ?? '').split('**Data used**')[1] ?? '';
    for (const m of section.matchAll(/`([A-Za-z]+\/[^`]+)`/g)) if (!truth.references.has(m[1])) v.push(`${topic(c)} cites ${m[1]}, not in the chart`);
  }

  // 10. Every second or later relapse gets HSCT evaluation, unless an HSCT referral is open or a transplant followed it.
  const referralSeen = truth.choices.referralOpen && !truth.unavailable.has('serviceRequests');
  const transplantAfterSeen = truth.hsctAfterRelapse && !truth.unavailable.has('procedures');
  if (truth.relapseDates.length >= 2 && !referralSeen && !transplantAfterSeen && !codes.includes('hsct-evaluation'))
    v.push('second relapse without HSCT evaluation');

  return v;
}
