/**
 * Therapy around the current relapse (clinical-logic.md section 1:
 * `reinduction`, `currentTherapy`, `priorExposure`).
 *
 * - Reinduction starts with the first **systemic**, **newly started** dose of a
 *   reinduction agent on or after the relapse date: one that follows at least
 *   `reinductionGapDays` without that agent. An intrathecal / intraventricular
 *   dose is CNS-directed therapy, never reinduction. TKIs are not reinduction
 *   agents (they never start reinduction on their own).
 * - Current therapy at relapse: agents given in the `currentTherapyDays` before
 *   the relapse. The disease relapsed on them, so it is refractory to them;
 *   their doses after the relapse continue them and start nothing.
 * - Prior exposure: what was given before that, with dates.
 *
 * Pure: no FHIR, no clock.
 */
import { addDays, earliest } from './dates';
import type { ClinicalSettings } from './settings';
import type { AgentClass, IsoDate, TherapyExposure } from './types';

export interface Reinduction {
  started: boolean;
  /** Not started on what was seen, but a dose of a reinduction agent with an unknown route was given since the relapse. */
  undetermined?: boolean;
  startDate?: IsoDate;
  /** The doses that make up reinduction (new starts and what followed them). */
  agents: TherapyExposure[];
}

export interface TherapyHistory {
  reinduction: Reinduction;
  /** Given in the days before the relapse: the relapse happened on them (refractory). */
  currentAtRelapse: TherapyExposure[];
  /** Given before that (targeted agents, TKIs, CAR-T, nelarabine), with dates. */
  priorExposure: TherapyExposure[];
  /** Systemic agents newly started since the relapse (any class, e.g. a TKI added to reinduction). */
  startedSinceRelapse: TherapyExposure[];
}

/** Agent classes a card reports as exposure (the rest is chemotherapy backbone). */
const REPORTED_CLASSES: readonly AgentClass[] = ['blinatumomab', 'inotuzumab', 'nelarabine', 'tki', 'ponatinib', 'car-t'];

/** The last day a record covers: its end, else open while ongoing, else its own date (one dose / one order). */
export function lastDayCovered(t: TherapyExposure): IsoDate | undefined {
  if (t.endDate !== undefined) return t.endDate;
  if (t.ongoing) return '9999-12-31';
  return t.date;
}

/** True when `t` covers any day in [from, to]. */
function covers(t: TherapyExposure, from: IsoDate, to: IsoDate): boolean {
  const last = lastDayCovered(t);
  return t.date !== undefined && last !== undefined && t.date <= to && last >= from;
}

/**
 * A dose on or after the relapse starts something new only when the same agent
 * (same route) was not given in the `reinductionGapDays` before it.
 */
function isNewStart(dose: TherapyExposure, all: readonly TherapyExposure[], s: ClinicalSettings): boolean {
  const date = dose.date as IsoDate;
  const gapStart = addDays(date, -s.reinductionGapDays);
  return !all.some(
    (other) =>
      other !== dose &&
      other.agentKey === dose.agentKey &&
      other.route === dose.route &&
      other.date !== undefined &&
      other.date < date &&
      covers(other, gapStart, addDays(date, -1)),
  );
}

export function therapyHistory(therapies: readonly TherapyExposure[], relapseDate: IsoDate | undefined, s: ClinicalSettings): TherapyHistory {
  const systemic = therapies.filter((t) => t.route === 'systemic');
  if (relapseDate === undefined) {
    // The relapse is not dated: only therapy still going can be reinduction; nothing can be placed before it.
    const agents = systemic.filter((t) => t.isReinductionAgent && t.ongoing);
    return {
      reinduction: { started: agents.length > 0, startDate: earliest(agents)?.date, agents },
      currentAtRelapse: [],
      priorExposure: therapies.filter((t) => REPORTED_CLASSES.includes(t.agent) && !t.ongoing),
      startedSinceRelapse: [],
    };
  }
  const windowStart = addDays(relapseDate, -s.currentTherapyDays);
  const dayBefore = addDays(relapseDate, -1);
  const currentAtRelapse = systemic.filter((t) => t.date !== undefined && t.date < relapseDate && covers(t, windowStart, dayBefore));
  const priorExposure = therapies.filter(
    (t) => REPORTED_CLASSES.includes(t.agent) && t.date !== undefined && t.date < relapseDate && !currentAtRelapse.includes(t),
  );

  const afterRelapse = systemic.filter((t) => t.isReinductionAgent && t.date !== undefined && t.date >= relapseDate);
  // Systemic doses after the relapse that follow a gap without their agent; reinduction starts with the first reinduction agent among them.
  const startedSinceRelapse = systemic.filter((t) => t.date !== undefined && t.date >= relapseDate && isNewStart(t, systemic, s));
  const newStarts = startedSinceRelapse.filter((t) => t.isReinductionAgent);
  const start = earliest(newStarts)?.date;
  // Reinduction: from its first new start on, the reinduction agents given (continued current therapy excepted).
  const continuing = new Set(currentAtRelapse.map((t) => t.agentKey));
  const agents = start === undefined ? [] : afterRelapse.filter((t) => (t.date as IsoDate) >= start && (newStarts.includes(t) || !continuing.has(t.agentKey)));
  const undetermined =
    start === undefined && therapies.some((t) => t.route === 'unknown' && t.isReinductionAgent && t.date !== undefined && t.date >= relapseDate);
  return {
    reinduction: { started: start !== undefined, startDate: start, agents, ...(undetermined ? { undetermined } : {}) },
    currentAtRelapse,
    priorExposure,
    startedSinceRelapse,
  };
}
