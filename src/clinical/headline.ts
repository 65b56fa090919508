/**
 * The one-line description of a stratified relapse that heads every card, e.g.
 * "Early (20 months) isolated marrow relapse of Ph-negative B-ALL, first relapse, awaiting reinduction".
 */
import type { Phase, SiteCategory, ReportedStratification } from './stratify';

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
  'second-remission-low-mrd': 'in second remission with low-level MRD',
  'persistent-disease': 'persistent disease after reinduction',
  'post-hsct': 'after HSCT for this relapse',
  unknown: 'phase unknown (data unavailable)',
};

const ORDINALS = ['first', 'second', 'third', 'fourth', 'fifth'];

export function ordinal(n: number): string {
  return ORDINALS[n - 1] ?? `${n}th`;
}

export function describeStratification(s: ReportedStratification): string {
  const unknowns: string[] = [];
  if (s.timing === 'unknown') unknowns.push('timing unknown');
  if (s.site === 'unknown') unknowns.push('site unknown');
  const timing = s.timing === 'unknown' ? '' : `${s.timing} (${s.monthsFromDiagnosis} months) `;
  const em = (s.extramedullarySites ?? []).map((x) => (x === 'cns' ? 'CNS' : x));
  const site =
    s.site === 'unknown'
      ? ''
      : s.site === 'combined' && em.length
        ? `combined marrow + ${em.join(' + ')} `
        : s.site === 'isolated-extramedullary' && em.length
          ? `isolated extramedullary (${em.join(', ')}) `
          : `${SITE_WORDS[s.site]} `;
  const relapse = capitalise(`${timing}${site}relapse${unknowns.length ? ` (${unknowns.join(', ')})` : ''}`);
  const afterHsct = s.relapseAfterHsct ? ' after prior HSCT' : '';
  const disease =
    s.lineage === 'unknown'
      ? `ALL (lineage unknown, ${s.ph === 'unknown' ? 'Ph status unknown' : `Ph-${s.ph}`})`
      : s.ph === 'unknown'
        ? `${s.lineage}-ALL (Ph status unknown)`
        : `Ph-${s.ph} ${s.lineage}-ALL`;
  return `${relapse}${afterHsct} of ${disease}, ${ordinal(s.relapseNumber)} relapse, ${PHASE_WORDS[s.phase]}`;
}

function capitalise(x: string): string {
  return x.charAt(0).toUpperCase() + x.slice(1);
}
