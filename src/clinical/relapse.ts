/**
 * Relapse detection and dating (clinical-logic.md section 2).
 *
 * Pure: facts in, relapse episodes out. The evaluation date is not needed here.
 */
import { addDays, addMonths, daysBetween, earliest } from './dates';
import type { ClinicalSettings } from './settings';
import { dedupeEvidence } from './evidence';
import type { Evidence, IsoDate, PatientFacts, SiteKind } from './types';

/** One relapse: its date (earliest evidence of the cluster) and what dated it. */
export interface RelapseEpisode {
  date: IsoDate;
  evidence: Evidence[];
}

export interface CurrentRelapse {
  /** Unknown when the record says "relapse" but nothing dates it. */
  date?: IsoDate;
  /** Sites found within the relapse window (or on undated relapse records when the date is unknown). */
  sites: SiteKind[];
  /** Marrow blasts < threshold recorded within the window: marrow explicitly not involved. */
  marrowClear: boolean;
  evidence: Evidence[];
}

export interface RelapseAssessment {
  hasAll: boolean;
  /** ALL diagnosis plus a relapse record, a relapse clinical status, or a "worsened" disease status. */
  isRelapsedAll: boolean;
  diagnosisDate?: IsoDate;
  diagnosisEvidence?: Evidence;
  /** Why the patient is in the relapsed population. */
  populationEvidence: Evidence[];
  /** Dated relapses, oldest first. */
  episodes: RelapseEpisode[];
  current?: CurrentRelapse;
  relapseNumber: number;
  /** Coded "relapse in transplant marrow". */
  postTransplantRelapseRecord: boolean;
}

type EventKind = 'record' | 'status' | 'lab';
interface RelapseEvent {
  date: IsoDate;
  kind: EventKind;
  sites: SiteKind[];
  evidence: Evidence;
}

/** Diagnosis date: earliest onset over the ALL Conditions that are not relapse records. */
export function findDiagnosis(facts: PatientFacts): { date?: IsoDate; evidence?: Evidence } {
  const first = earliest(facts.allConditions.filter((c) => !c.isRelapseRecord));
  return first ? { date: first.date, evidence: first.evidence } : {};
}

/** Dates at which the record documents remission (marrow blasts below threshold, MRD, remission status, C91.01). */
export function remissionDates(facts: PatientFacts, s: ClinicalSettings): IsoDate[] {
  const dates: (IsoDate | undefined)[] = [
    ...facts.marrowBlasts.filter((m) => m.percent !== undefined && m.percent < s.marrowBlastRelapsePercent).map((m) => m.date),
    // An MRD measurement documents (morphological) remission unless it is itself at relapse level.
    ...facts.mrd
      .filter((m) => !m.unreadable && !(m.percent !== undefined && m.comparator === undefined && m.percent >= s.marrowBlastRelapsePercent))
      .map((m) => m.date),
    ...facts.diseaseStatus.filter((d) => d.status === 'remission').map((d) => d.date),
    ...facts.allConditions.filter((c) => c.isRemissionRecord).map((c) => c.date),
  ];
  return dates.filter((d): d is IsoDate => d !== undefined).sort();
}

/**
 * A diagnosis date can gate relapse evidence ("more than 3 months after the
 * diagnosis") only when it is possible: not before birth, not after today.
 */
function plausible(date: IsoDate | undefined, birthDate: IsoDate | undefined, evaluationDate: IsoDate | undefined): IsoDate | undefined {
  if (date === undefined) return undefined;
  if (birthDate !== undefined && date < birthDate) return undefined;
  if (evaluationDate !== undefined && date > evaluationDate) return undefined;
  return date;
}

export function assessRelapse(facts: PatientFacts, s: ClinicalSettings, evaluationDate?: IsoDate): RelapseAssessment {
  const hasAll = facts.allConditions.length > 0;
  const diagnosis = findDiagnosis(facts);
  const relapseRecords = facts.allConditions.filter((c) => c.isRelapseRecord);
  const statusRelapse = facts.allConditions.filter((c) => c.clinicalStatusRelapse);
  const worsened = facts.diseaseStatus.filter((d) => d.status === 'worsened');

  const populationEvidence = [...relapseRecords, ...statusRelapse, ...worsened].map((x) => x.evidence);
  const isRelapsedAll = hasAll && populationEvidence.length > 0;
  const postTransplantRelapseRecord = relapseRecords.some((c) => c.isPostTransplantRelapseRecord);
  const base = {
    hasAll,
    isRelapsedAll,
    diagnosisDate: diagnosis.date,
    diagnosisEvidence: diagnosis.evidence,
    populationEvidence: dedupeEvidence(populationEvidence),
    postTransplantRelapseRecord,
  };
  if (!isRelapsedAll) return { ...base, episodes: [], relapseNumber: 0 };

  const remissions = remissionDates(facts, s);
  const events = relapseEvents(facts, s, plausible(diagnosis.date, facts.birthDate, evaluationDate), remissions);
  const episodes = clusterEpisodes(events, remissions, s);
  const currentEpisode = episodes[episodes.length - 1];
  const current = locateCurrentRelapse(facts, s, currentEpisode?.date);
  return {
    ...base,
    episodes: episodes.map((e) => ({ date: e.date, evidence: dedupeEvidence(e.events.map((x) => x.evidence)) })),
    current: { ...current, evidence: dedupeEvidence([...(currentEpisode?.events.map((x) => x.evidence) ?? []), ...current.evidence]) },
    relapseNumber: Math.max(1, episodes.length),
  };
}

/**
 * Dated relapse evidence. Relapse records always count. Disease status "worsened",
 * marrow blasts >= threshold and CSF blasts count only after a documented
 * remission, or (none documented before them) more than `diagnosisGraceMonths`
 * after diagnosis: the blasts of the initial diagnosis are not a relapse. A
 * remission documented only later (second remission) does not undo an earlier
 * relapse. With neither a remission before it nor a diagnosis date, only a
 * "worsened" status (a change by definition) counts.
 */
function relapseEvents(facts: PatientFacts, s: ClinicalSettings, diagnosisDate: IsoDate | undefined, remissions: IsoDate[]): RelapseEvent[] {
  const firstRemission = remissions[0];
  const graceEnd = diagnosisDate ? addMonths(diagnosisDate, s.diagnosisGraceMonths) : undefined;
  const gated = (date: IsoDate, kind: EventKind): boolean => {
    if (firstRemission !== undefined && date > firstRemission) return true;
    if (graceEnd !== undefined) return date > graceEnd;
    return kind === 'status';
  };
  const events: RelapseEvent[] = [];
  for (const c of facts.allConditions) {
    if (c.isRelapseRecord && c.date) events.push({ date: c.date, kind: 'record', sites: c.sites, evidence: c.evidence });
  }
  for (const d of facts.diseaseStatus) {
    if (d.status === 'worsened' && d.date && gated(d.date, 'status')) events.push({ date: d.date, kind: 'status', sites: d.sites, evidence: d.evidence });
  }
  for (const m of facts.marrowBlasts) {
    if (m.date && m.percent !== undefined && m.percent >= s.marrowBlastRelapsePercent && gated(m.date, 'lab')) {
      events.push({ date: m.date, kind: 'lab', sites: ['marrow'], evidence: m.evidence });
    }
  }
  for (const c of facts.csfBlasts) {
    if (c.date && c.positivity === 'positive' && gated(c.date, 'lab')) events.push({ date: c.date, kind: 'lab', sites: ['cns'], evidence: c.evidence });
  }
  return events.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
}

/**
 * Distinct relapses are relapse dates more than `distinctRelapseDays` apart. A
 * laboratory finding (blasts) opens a new relapse only when a remission was
 * documented since the previous relapse: otherwise it is the same, refractory,
 * disease and not a new relapse.
 */
function clusterEpisodes(events: RelapseEvent[], remissions: IsoDate[], s: ClinicalSettings): { date: IsoDate; events: RelapseEvent[] }[] {
  const episodes: { date: IsoDate; events: RelapseEvent[] }[] = [];
  for (const event of events) {
    const last = episodes[episodes.length - 1];
    if (last === undefined) {
      episodes.push({ date: event.date, events: [event] });
      continue;
    }
    const farApart = daysBetween(last.date, event.date) > s.distinctRelapseDays;
    const lastEventDate = last.events[last.events.length - 1].date;
    const remittedSince = remissions.some((r) => r > lastEventDate && r < event.date);
    if (farApart && (event.kind !== 'lab' || remittedSince)) episodes.push({ date: event.date, events: [event] });
    else last.events.push(event);
  }
  return episodes;
}

/** Sites of the current relapse: events within the relapse window of its date. */
function locateCurrentRelapse(facts: PatientFacts, s: ClinicalSettings, date: IsoDate | undefined): Omit<CurrentRelapse, 'date'> & { date?: IsoDate } {
  const sites = new Set<SiteKind>();
  const evidence: Evidence[] = [];
  let marrowClear = false;
  const inWindow = (d: IsoDate | undefined): boolean =>
    date !== undefined && d !== undefined && d >= addDays(date, -s.relapseWindowDays) && d <= addDays(date, s.relapseWindowDays);
  const add = (found: SiteKind[], ev: Evidence): void => {
    if (found.length === 0) return;
    found.forEach((x) => sites.add(x));
    evidence.push(ev);
  };

  for (const c of facts.allConditions) {
    const relevant = c.isRelapseRecord || c.clinicalStatusRelapse;
    if (!relevant) continue;
    // A dated relapse record locates the relapse it dates; a relapse-status record
    // (or any record when the relapse date is unknown) describes the current relapse.
    if (inWindow(c.date) || c.clinicalStatusRelapse || date === undefined || c.date === undefined) add(c.sites, c.evidence);
  }
  for (const d of facts.diseaseStatus) {
    if (d.status === 'worsened' && (inWindow(d.date) || date === undefined)) add(d.sites, d.evidence);
  }
  for (const m of facts.marrowBlasts) {
    if (!inWindow(m.date) || m.percent === undefined) continue;
    if (m.percent >= s.marrowBlastRelapsePercent) add(['marrow'], m.evidence);
    else {
      marrowClear = true;
      evidence.push(m.evidence);
    }
  }
  for (const c of facts.csfBlasts) {
    if (inWindow(c.date) && c.positivity === 'positive') add(['cns'], c.evidence);
  }
  return { date, sites: [...sites], marrowClear, evidence };
}
