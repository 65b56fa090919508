/**
 * The report as ONE self-contained HTML page for a pharmacy and therapeutics
 * committee: no script, and no external style, font or image (a
 * Content-Security-Policy says so to the browser too), so it can be mailed,
 * archived or printed as it is.
 *
 * The tables are the source of truth; the two inline SVG charts draw from the
 * same figures and carry them in `data-` attributes (a test checks what is
 * drawn against them):
 *   (a) acceptance rate per card code, horizontal bars with the 95 % interval
 *       as error bars: `rect.rate-bar` (data-service, data-code, data-issued,
 *       data-accepted, data-rate, data-low, data-high) and `rect.ci`
 *       (data-code, data-low, data-high) over `rect.plot-area` (0 to 100 %);
 *   (b) the weekly trend, all cards: per ISO week `g.week` (data-week,
 *       data-start, data-issued, data-accepted, data-rate) holding
 *       `rect.issued` and `rect.accepted` bars over `rect.plot-area`
 *       (data-max: the value at its top).
 * `rect.plot-area` has no stroke (a separate `rect.frame` draws the border), so
 * its box is exactly the scale's 0 to max.
 * Each SVG has role="img", a <title> and a <desc>. Every string from the
 * store or the catalogs is escaped.
 */
import type { CardLine, Rate, Report, WeekFigures } from './build';

/** Escape text for HTML content and quoted attribute values (SVG too). */
export function esc(value: string | number): string {
  return String(value).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const NBSP = '\u00a0';
const DASH = '–';
export const pct = (x: number | null): string => (x === null ? DASH : `${(x * 100).toFixed(1)}${NBSP}%`);
const interval = (r: Rate): string => (r.low === null || r.high === null ? DASH : `${(r.low * 100).toFixed(1)}–${(r.high * 100).toFixed(1)}${NBSP}%`);
const num = (x: number) => String(x);
/** A number for an SVG coordinate (short, no exponent). */
const px = (x: number) => String(Math.round(x * 100) / 100);
const truncate = (s: string, n: number) => (s.length <= n ? s : `${s.slice(0, n - 1)}…`);

function rangeText(report: Report): string {
  const { since, until } = report.range;
  if (since && until) return `from ${since} to ${until} (UTC days, inclusive)`;
  if (since) return `from ${since} (UTC, inclusive) to the latest on record`;
  if (until) return `from the earliest on record to ${until} (UTC, inclusive)`;
  return 'all dates on record';
}

function generatedText(iso: string): string {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? iso : `${new Date(t).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** The chart label of each card: its display, with the service when two lines share a display. */
function chartLabels(cards: CardLine[]): Map<CardLine, string> {
  const count = new Map<string, number>();
  for (const c of cards) count.set(c.display, (count.get(c.display) ?? 0) + 1);
  return new Map(cards.map((c) => [c, count.get(c.display)! > 1 ? `${c.display} (${c.serviceId})` : c.display]));
}

function rateChart(report: Report): string {
  const bars = report.cards.filter((c) => c.issued > 0);
  if (bars.length === 0) return '<p class="empty">No card was issued in this range: no acceptance rate to draw.</p>';
  const labels = chartLabels(bars);
  const labelW = 300;
  const plotW = 400;
  const rowH = 30;
  const top = 28;
  const width = labelW + plotW + 150;
  const height = top + bars.length * rowH + 12;
  const x = (v: number) => labelW + v * plotW;
  const out: string[] = [];
  out.push(
    `<svg class="chart rate-chart" role="img" aria-labelledby="rate-title rate-desc" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" xmlns="http://www.w3.org/2000/svg">`,
    '<title id="rate-title">Acceptance rate per card code</title>',
    `<desc id="rate-desc">Horizontal bars: the share of issued cards that were accepted, for the ${bars.length} card codes issued in the range, ` +
      'with the 95 % Wilson score interval drawn as an error bar. The table above holds the same figures.</desc>',
    `<rect class="plot-area" x="${labelW}" y="${top}" width="${plotW}" height="${bars.length * rowH}" data-min="0" data-max="1"/>`,
    `<rect class="frame" x="${labelW}" y="${top}" width="${plotW}" height="${bars.length * rowH}"/>`,
  );
  for (const tick of [0, 0.25, 0.5, 0.75, 1]) {
    out.push(
      `<line class="grid" x1="${px(x(tick))}" y1="${top}" x2="${px(x(tick))}" y2="${top + bars.length * rowH}"/>`,
      `<text class="tick" x="${px(x(tick))}" y="${top - 8}" text-anchor="middle">${tick * 100}${NBSP}%</text>`,
    );
  }
  bars.forEach((c, i) => {
    const y = top + i * rowH;
    const rate = c.rate ?? 0;
    const low = c.low ?? 0;
    const high = c.high ?? 0;
    const label = labels.get(c)!;
    const mid = y + rowH / 2;
    out.push(
      `<g class="bar-row" data-service="${esc(c.serviceId)}" data-code="${esc(c.code)}">`,
      `<title>${esc(`${label}: ${pct(c.rate)} accepted (${c.acceptedInRate} of ${c.issued}), 95 % interval ${interval(c)}`)}</title>`,
      `<text class="label" x="${labelW - 8}" y="${px(mid + 4)}" text-anchor="end">${esc(truncate(label, 44))}</text>`,
      `<rect class="rate-bar" x="${labelW}" y="${px(y + 7)}" width="${px(rate * plotW)}" height="${rowH - 14}" ` +
        `data-service="${esc(c.serviceId)}" data-code="${esc(c.code)}" data-issued="${c.issued}" data-accepted="${c.acceptedInRate}" ` +
        `data-rate="${rate}" data-low="${low}" data-high="${high}"/>`,
      `<rect class="ci" x="${px(x(low))}" y="${px(mid - 1)}" width="${px((high - low) * plotW)}" height="2" data-code="${esc(c.code)}" data-low="${low}" data-high="${high}"/>`,
      `<rect class="ci-cap" x="${px(x(low) - 1)}" y="${px(mid - 6)}" width="2" height="12"/>`,
      `<rect class="ci-cap" x="${px(x(high) - 1)}" y="${px(mid - 6)}" width="2" height="12"/>`,
      `<text class="value" x="${px(x(1) + 8)}" y="${px(mid + 4)}">${esc(pct(c.rate))}<tspan class="count"> (${c.acceptedInRate} of ${c.issued})</tspan></text>`,
      '</g>',
    );
  });
  out.push('</svg>');
  return out.join('\n');
}

/** A count axis: a whole tick step of 1, 2 or 5 × 10^k giving at most 5 ticks, and the top (a multiple of it) at or above `max`. */
function countAxis(max: number): { top: number; step: number } {
  const rough = Math.max(1, max / 4);
  const p = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * p).find((m) => m >= rough)!;
  return { top: Math.max(step, Math.ceil(max / step) * step), step };
}

function trendChart(report: Report): string {
  const weeks = report.totals.weeks;
  if (weeks.length === 0) return '<p class="empty">No card was issued and no feedback given in this range: no trend to draw.</p>';
  const left = 48;
  const top = 16;
  const plotH = 200;
  const step = Math.max(10, Math.min(120, Math.floor(680 / weeks.length)));
  const plotW = step * weeks.length;
  const width = left + plotW + 16;
  const height = top + plotH + 44;
  const { top: max, step: tickStep } = countAxis(Math.max(...weeks.map((w) => Math.max(w.issued, w.accepted))));
  const y = (v: number) => top + plotH - (v / max) * plotH;
  const labelEvery = Math.ceil(weeks.length / Math.floor(plotW / 52));
  // A pair of bars per week, a gap of at least 40 % of the step between weeks.
  const barW = Math.max(2, Math.min(30, Math.floor(step * 0.3)));
  const out: string[] = [];
  out.push(
    `<svg class="chart trend-chart" role="img" aria-labelledby="trend-title trend-desc" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" xmlns="http://www.w3.org/2000/svg">`,
    '<title id="trend-title">Cards issued and accepted per week, all cards</title>',
    `<desc id="trend-desc">Paired bars for each of the ${weeks.length} ISO weeks from ${esc(weeks[0].week)} to ${esc(weeks[weeks.length - 1].week)}: ` +
      'cards issued (light) and cards accepted (dark). The weekly table below holds the same figures.</desc>',
    `<rect class="plot-area" x="${left}" y="${top}" width="${plotW}" height="${plotH}" data-min="0" data-max="${max}"/>`,
    `<rect class="frame" x="${left}" y="${top}" width="${plotW}" height="${plotH}"/>`,
  );
  for (let v = 0; v <= max; v += tickStep) {
    out.push(
      `<line class="grid" x1="${left}" y1="${px(y(v))}" x2="${left + plotW}" y2="${px(y(v))}"/>`,
      `<text class="tick" x="${left - 6}" y="${px(y(v) + 4)}" text-anchor="end">${v}</text>`,
    );
  }
  weeks.forEach((w, i) => {
    const gx = left + i * step + (step - 2 * barW - 1) / 2;
    out.push(
      `<g class="week" data-week="${esc(w.week)}" data-start="${esc(w.start)}" data-issued="${w.issued}" data-accepted="${w.accepted}" data-rate="${w.rate ?? ''}">`,
      `<title>${esc(`${w.week} (from ${w.start}): ${w.issued} issued, ${w.accepted} accepted, rate ${pct(w.rate)}`)}</title>`,
      `<rect class="issued" x="${px(gx)}" y="${px(y(w.issued))}" width="${barW}" height="${px((w.issued / max) * plotH)}" data-week="${esc(w.week)}" data-issued="${w.issued}"/>`,
      `<rect class="accepted" x="${px(gx + barW + 1)}" y="${px(y(w.accepted))}" width="${barW}" height="${px((w.accepted / max) * plotH)}" data-week="${esc(w.week)}" data-accepted="${w.accepted}"/>`,
    );
    if (i % labelEvery === 0) {
      out.push(`<text class="tick" x="${px(left + i * step + step / 2)}" y="${top + plotH + 16}" text-anchor="middle">${esc(w.week.slice(5))}</text>`);
      if (i === 0 || weeks[i - labelEvery]?.week.slice(0, 4) !== w.week.slice(0, 4)) {
        out.push(
          `<text class="tick year" x="${px(left + i * step + step / 2)}" y="${top + plotH + 30}" text-anchor="middle">${esc(w.week.slice(0, 4))}</text>`,
        );
      }
    }
    out.push('</g>');
  });
  out.push('</svg>');
  return out.join('\n');
}

/** Overrides by reason, all cards: one row per reason with its count and the cards it was given for. */
function reasonsTable(report: Report): string {
  const t = report.totals;
  if (t.overriddenByReason.length === 0) return '<p class="empty">No card was overridden in this range.</p>';
  const rows = t.overriddenByReason.map((r) => {
    const by = [
      ...report.cards.flatMap((c) => c.overriddenByReason.filter((x) => x.key === r.key).map((x) => `${esc(c.display)}: ${x.count}`)),
      ...report.unrecognised.overriddenByReason.filter((x) => x.key === r.key).map((x) => `Card not recognised: ${x.count}`),
    ];
    return (
      `<tr data-reason="${esc(r.key)}"><th scope="row">${esc(r.display)}</th><td class="code">${esc(r.key)}</td>` +
      `<td class="n count">${num(r.count)}</td><td class="by-card">${by.join('<br>')}</td></tr>`
    );
  });
  return [
    '<table class="figures reasons-total">',
    '<caption>Overrides by reason, all cards</caption>',
    '<thead><tr><th scope="col">Reason</th><th scope="col">Code</th><th scope="col" class="n">Overridden</th><th scope="col">By card</th></tr></thead>',
    '<tbody>',
    ...rows,
    '</tbody>',
    `<tfoot><tr><th scope="row">All reasons</th><td></td><td class="n count">${num(t.overridden)}</td><td></td></tr></tfoot>`,
    '</table>',
  ].join('\n');
}

function summaryTable(report: Report): string {
  const marker = (c: { exceedsIssued: boolean }) =>
    c.exceedsIssued ? ' <a class="mark" href="#notes" title="accepted exceeds issued: see the notes">†</a>' : '';
  const rows = report.cards.map(
    (c) =>
      `<tr data-service="${esc(c.serviceId)}" data-code="${esc(c.code)}">` +
      `<td class="service">${esc(c.serviceTitle)}</td>` +
      `<th scope="row" class="card">${esc(c.display)} <span class="code">${esc(c.code)}</span></th>` +
      `<td class="n issued">${num(c.issued)}</td><td class="n accepted">${num(c.accepted)}${marker(c)}</td>` +
      `<td class="n overridden">${num(c.overridden)}</td><td class="n suggestions">${num(c.suggestionsTaken)}</td>` +
      `<td class="n rate">${pct(c.rate)}</td><td class="n interval">${interval(c)}</td></tr>`,
  );
  const u = report.unrecognised;
  const t = report.totals;
  return [
    '<table class="figures summary">',
    '<caption>Cards issued and what clinicians did with them, per card code</caption>',
    '<thead><tr><th scope="col">Service</th><th scope="col">Card</th><th scope="col" class="n">Issued</th><th scope="col" class="n">Accepted</th>' +
      '<th scope="col" class="n">Overridden</th><th scope="col" class="n">Suggestions taken</th><th scope="col" class="n">Acceptance rate</th>' +
      '<th scope="col" class="n">95 % interval</th></tr></thead>',
    '<tbody>',
    ...(rows.length > 0 ? rows : ['<tr><td colspan="8" class="empty">No card issued and no feedback in this range.</td></tr>']),
    '</tbody>',
    '<tbody class="unrecognised">',
    '<tr data-line="not-recognised"><td class="service"></td><th scope="row" class="card">Card not recognised</th><td class="n issued">' +
      `${DASH}</td><td class="n accepted">${num(u.accepted)}</td><td class="n overridden">${num(u.overridden)}</td>` +
      `<td class="n suggestions">${num(u.suggestionsTaken)}</td><td class="n rate">${DASH}</td><td class="n interval">${DASH}</td></tr>`,
    '</tbody>',
    '<tfoot>',
    '<tr data-line="total"><td class="service"></td><th scope="row" class="card">All cards</th>' +
      `<td class="n issued">${num(t.issued)}</td><td class="n accepted">${num(t.accepted)}</td><td class="n overridden">${num(t.overridden)}</td>` +
      `<td class="n suggestions">${num(t.suggestionsTaken)}</td><td class="n rate">${pct(t.rate)}</td><td class="n interval">${interval(t)}</td></tr>`,
    '</tfoot>',
    '</table>',
  ].join('\n');
}

function weekRows(weeks: WeekFigures[]): string {
  return weeks
    .map(
      (w) =>
        `<tr data-week="${esc(w.week)}"><th scope="row">${esc(w.week)}</th><td>${esc(w.start)}</td>` +
        `<td class="n issued">${num(w.issued)}</td><td class="n accepted">${num(w.accepted)}</td><td class="n rate">${pct(w.rate)}</td></tr>`,
    )
    .join('\n');
}

const WEEK_HEAD =
  '<thead><tr><th scope="col">ISO week</th><th scope="col">From (Monday)</th><th scope="col" class="n">Issued</th>' +
  '<th scope="col" class="n">Accepted</th><th scope="col" class="n">Rate</th></tr></thead>';

function cardSection(c: CardLine, index: number): string {
  const active = c.weeks.filter((w) => w.issued > 0 || w.accepted > 0);
  return [
    `<section class="card-detail" id="card-${index}" data-service="${esc(c.serviceId)}" data-code="${esc(c.code)}">`,
    `<h3>${esc(c.display)} <span class="code">${esc(c.code)}</span></h3>`,
    `<p class="service">Service: ${esc(c.serviceTitle)} <span class="code">${esc(c.serviceId)}</span></p>`,
    '<div class="detail-grid">',
    '<table class="figures card-figures">',
    `<caption>Figures for ${esc(c.display)}</caption>`,
    '<tbody>',
    `<tr><th scope="row">Issued</th><td class="n issued">${num(c.issued)}</td></tr>`,
    `<tr><th scope="row">Accepted</th><td class="n accepted">${num(c.accepted)}${c.exceedsIssued ? ' <a class="mark" href="#notes">†</a>' : ''}</td></tr>`,
    `<tr><th scope="row">Overridden</th><td class="n overridden">${num(c.overridden)}</td></tr>`,
    `<tr><th scope="row">Suggestions taken</th><td class="n suggestions">${num(c.suggestionsTaken)}</td></tr>`,
    `<tr><th scope="row">Acceptance rate</th><td class="n rate">${pct(c.rate)}</td></tr>`,
    `<tr><th scope="row">95 % interval</th><td class="n interval">${interval(c)}</td></tr>`,
    '</tbody></table>',
    '<table class="figures card-reasons">',
    `<caption>Overrides by reason</caption>`,
    '<thead><tr><th scope="col">Reason</th><th scope="col">Code</th><th scope="col" class="n">Overridden</th></tr></thead><tbody>',
    c.overriddenByReason.length === 0
      ? '<tr><td colspan="3" class="empty">None overridden.</td></tr>'
      : c.overriddenByReason
          .map(
            (r) =>
              `<tr data-reason="${esc(r.key)}"><th scope="row">${esc(r.display)}</th><td class="code">${esc(r.key)}</td><td class="n">${num(r.count)}</td></tr>`,
          )
          .join('\n'),
    '</tbody></table>',
    '<table class="figures card-weeks">',
    '<caption>Per week (weeks without cards or feedback left out)</caption>',
    WEEK_HEAD,
    '<tbody>',
    active.length === 0 ? '<tr><td colspan="5" class="empty">No week with cards or feedback.</td></tr>' : weekRows(active),
    '</tbody></table>',
    '</div>',
    '</section>',
  ].join('\n');
}

const STYLE = `
:root { color-scheme: light; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: #1d1d1f; background: #fff; margin: 0 auto; padding: 24px 32px 48px; max-width: 1180px; }
h1 { font-size: 1.6em; margin: 0 0 6px; }
h2 { font-size: 1.25em; margin: 36px 0 10px; padding-bottom: 4px; border-bottom: 2px solid #d0d7e2; }
h3 { font-size: 1.05em; margin: 0 0 2px; }
.meta { margin: 2px 0; color: #3d4451; }
.headline { font-size: 1.05em; margin: 16px 0; padding: 10px 14px; background: #f3f6fa; border-left: 4px solid #2f5d8c; }
table { border-collapse: collapse; margin: 8px 0 16px; font-variant-numeric: tabular-nums; }
caption { text-align: left; font-weight: 600; padding: 4px 0; color: #3d4451; }
th, td { padding: 5px 9px; border-bottom: 1px solid #dde2ea; text-align: left; vertical-align: top; }
thead th { background: #eef2f7; border-bottom: 2px solid #b8c2d0; font-weight: 600; }
tbody th { font-weight: 500; }
.n { text-align: right; white-space: nowrap; }
tfoot td, tfoot th { font-weight: 700; border-top: 2px solid #b8c2d0; }
tbody.unrecognised th, tbody.unrecognised td { color: #5b6270; font-style: italic; }
.code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 0.82em; color: #5b6270; font-weight: 400; }
.by-card { font-size: 0.9em; }
.service { color: #5b6270; font-size: 0.9em; margin: 0 0 6px; }
td.service { white-space: nowrap; }
.mark { text-decoration: none; color: #a33; font-weight: 700; }
.empty { color: #5b6270; font-style: italic; }
figure { margin: 12px 0 20px; }
figcaption { color: #3d4451; font-size: 0.92em; margin-top: 4px; }
.chart { max-width: 100%; height: auto; font-size: 12px; }
.chart .plot-area { fill: #fafbfd; }
.chart .frame { fill: none; stroke: #c9d1dc; stroke-width: 1; pointer-events: none; }
.chart .grid { stroke: #e1e6ee; stroke-width: 1; }
.chart text { fill: #1d1d1f; }
.chart .tick { fill: #5b6270; font-size: 11px; }
.chart .rate-bar { fill: #4a7fb8; }
.chart .ci, .chart .ci-cap { fill: #111; }
.chart .value { font-weight: 600; }
.chart .count { font-weight: 400; fill: #5b6270; }
.chart .issued { fill: #a9c6e6; }
.chart .accepted { fill: #1f5a96; }
.swatch { display: inline-block; width: 12px; height: 12px; vertical-align: -1px; margin: 0 4px 0 2px; }
.swatch.issued { background: #a9c6e6; } .swatch.accepted { background: #1f5a96; }
.card-detail { border-top: 1px solid #dde2ea; padding: 14px 0 4px; break-inside: avoid; }
.detail-grid { display: flex; flex-wrap: wrap; gap: 8px 32px; align-items: flex-start; }
.detail-grid table { margin-top: 0; }
ol.notes { font-size: 0.92em; color: #3d4451; }
footer { margin-top: 32px; font-size: 0.88em; color: #5b6270; }
@media print { body { padding: 0; max-width: none; } h2 { break-after: avoid; } figure, table { break-inside: avoid; } }
`;

export function renderHtml(report: Report): string {
  const t = report.totals;
  const headline =
    t.issued > 0
      ? `${t.issued} cards issued; ${t.accepted} accepted and ${t.overridden} overridden. Overall acceptance rate ${pct(t.rate)} (95 % interval ${interval(t)}).`
      : `No card was issued in this range${t.accepted + t.overridden > 0 ? `; ${t.accepted + t.overridden} feedback items were received` : ''}.`;
  const trendTable = [
    '<table class="figures weeks-total">',
    '<caption>Per week, all cards</caption>',
    WEEK_HEAD,
    '<tbody>',
    t.weeks.length === 0 ? '<tr><td colspan="5" class="empty">No week with cards or feedback.</td></tr>' : weekRows(t.weeks),
    '</tbody></table>',
  ].join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${esc(report.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>${esc(report.title)}</h1>
<p class="meta">Cards issued and feedback received: <strong class="range">${esc(rangeText(report))}</strong>.</p>
<p class="meta">Generated <time datetime="${esc(report.generatedAt)}">${esc(generatedText(report.generatedAt))}</time>.</p>
</header>
<main>
<p class="headline">${esc(headline)}</p>
<section id="by-card">
<h2>Acceptance by card</h2>
${summaryTable(report)}
<figure>
${rateChart(report)}
<figcaption>Acceptance rate per card code (accepted / issued); the black whisker is the 95 % Wilson score interval. Card codes with no card issued in the range are not drawn.</figcaption>
</figure>
</section>
<section id="reasons">
<h2>Override reasons</h2>
${reasonsTable(report)}
</section>
<section id="trend">
<h2>Weekly trend</h2>
<figure>
${trendChart(report)}
<figcaption>Cards <span class="swatch issued"></span>issued and <span class="swatch accepted"></span>accepted per ISO week (Monday to Sunday, UTC), all card codes.</figcaption>
</figure>
${trendTable}
</section>
<section id="cards">
<h2>Card by card</h2>
${report.cards.length === 0 ? '<p class="empty">No card issued and no feedback in this range.</p>' : report.cards.map(cardSection).join('\n')}
</section>
<section id="notes-section">
<h2>Notes</h2>
<ol class="notes" id="notes">
${report.footnotes.map((n) => `<li>${esc(n)}</li>`).join('\n')}
</ol>
</section>
</main>
<footer>
<p>This report holds no patient identifier and no comment text: only card codes, counts and coded override reasons.</p>
</footer>
</body>
</html>
`;
}
