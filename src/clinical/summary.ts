/**
 * The one-line description of a stratified relapse that heads every card, e.g.
 * "Early (20 months) isolated marrow relapse of Ph-negative B-ALL, first relapse, awaiting reinduction".
 */
import type { Phase, SiteCategory, StratificationSummary } from './stratify';

const SITE_WORDS: Record<SiteCategory, string> = {
  'isolated-marrow': 'isolated marrow',
  combined: 'combined',
  'isolated-extramedullary': 'isolated extramedullary',
  unknown: 'site-unknown',
};

const PHASE_WORDS: Record<Phase, string> = {
  'awaiting-reinduction': 'awaiting reinduction',
  'response-pending': 'reinduction started, response (MRD) pending',
  'second-remission-mrd-negative': 'in MRD-negative second remission',
  'persistent-disease': 'persistent disease after reinduction',
  'post-hsct': 'after HSCT for this relapse',
};

const ORDINALS = ['first', 'second', 'third', 'fourth', 'fifth'];

export function ordinal(n: number): string {
  return ORDINALS[n - 1] ?? `${n}th`;
}

export function describeStratification(s: StratificationSummary): string {
  const timing = s.timing === 'unknown' ? 'Timing-unknown' : `${capitalise(s.timing)} (${s.monthsFromDiagnosis} months)`;
  const em = s.extramedullarySites?.length ? ` (${s.extramedullarySites.map((x) => (x === 'cns' ? 'CNS' : x)).join(', ')})` : '';
  const site = s.site === 'isolated-extramedullary' && em ? `isolated extramedullary${em}` : s.site === 'combined' ? `combined marrow${em.replace(' (', ' + ').replace(')', '')}` : SITE_WORDS[s.site];
  const ph = s.ph === 'unknown' ? 'Ph-status-unknown' : `Ph-${s.ph}`;
  const lineage = s.lineage === 'unknown' ? 'ALL of unknown lineage' : `${s.lineage}-ALL`;
  const afterHsct = s.relapseAfterHsct ? ' after prior HSCT' : '';
  return `${timing} ${site} relapse${afterHsct} of ${ph} ${lineage}, ${ordinal(s.relapseNumber)} relapse, ${PHASE_WORDS[s.phase]}`;
}

function capitalise(x: string): string {
  return x.charAt(0).toUpperCase() + x.slice(1);
}
