/**
 * The admin console's pages: sign-in, the overview of every site, and a site's page (charts, success by handler and
 * country, deliveries with filters, verifications, throttles, audit events, the test message). Server-rendered
 * with the hosted pages' escaping html``; labelled forms, real tables, headings in order, visible focus.
 */
import { DELIVERY_RESULTS } from '../../delivery/contract.js';
import type { SiteReport, ReportRow } from '../../flows/admin-reports.js';
import { html, trusted, type Html } from '../pages/html.js';
import { barChart } from './svg-chart.js';
import type { attemptView, auditView, blockView, verificationView } from './views.js';

type Attempt = ReturnType<typeof attemptView>;
type Verification = ReturnType<typeof verificationView>;
type Block = ReturnType<typeof blockView>;
type Audit = ReturnType<typeof auditView>;

/** A handler or country whose recent success is below this is flagged. */
const FAILING_BELOW = 0.9;
export const WINDOWS = [1, 6, 24, 168] as const;

const css = `
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1a1a1a;background:#f4f5f7}
header{background:#1f2933;color:#fff;padding:.5rem 1rem;display:flex;flex-wrap:wrap;gap:1rem;align-items:center}
header a{color:#fff}
header nav ul{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:.25rem 1rem}
header form{margin-left:auto}
main{max-width:72rem;margin:0 auto;padding:1rem}
section{background:#fff;border-radius:.5rem;padding:1rem 1.25rem;margin:0 0 1rem;box-shadow:0 1px 3px rgba(0,0,0,.12)}
h1{font-size:1.5rem;margin:.5rem 0 1rem}
h2{font-size:1.125rem;margin:0 0 .75rem}
table{border-collapse:collapse;width:100%;font-size:.875rem}
th,td{text-align:left;padding:.375rem .5rem;border-bottom:1px solid #d8dce0;vertical-align:top}
th{background:#f0f2f4}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.failing{color:#9b0014;font-weight:700}
.ok{color:#16602f}
label{font-weight:600;display:block;margin:.5rem 0 .125rem}
input,select{font:inherit;padding:.375rem .5rem;border:2px solid #6b6b6b;border-radius:.375rem;min-height:2.5rem}
button{font:inherit;font-weight:600;padding:.375rem 1rem;min-height:2.5rem;border-radius:.375rem;border:2px solid #1f4fbf;
background:#1f4fbf;color:#fff;cursor:pointer}
header button{background:transparent;border-color:#fff}
.filters{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:flex-end}
.filters label{margin:0}
.chart{margin:0 0 1rem}
.chart svg{display:block;height:10rem;background:#fafbfc;border:1px solid #d8dce0}
figcaption{font-size:.875rem}
.key{margin-right:1rem}.swatch{display:inline-block;width:.75rem;height:.75rem;margin-right:.25rem;vertical-align:middle}
.alert{border-left:.375rem solid #9b0014;background:#fdecee;padding:.5rem 1rem;margin:0 0 1rem}
.alert.notice{border-color:#16602f;background:#e9f6ee}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(20rem,1fr));gap:1rem}
a{color:#1f4fbf}
:focus-visible{outline:3px solid #ffbf47;outline-offset:2px}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.signin{max-width:26rem;margin:3rem auto}
.signin input{width:100%}
.signin button{margin-top:1rem;width:100%}
`;

export interface ConsoleFrame {
  csrf: string;
  /** Site ids for the navigation; null on the sign-in page. */
  siteIds: string[] | null;
  /** Seconds between reloads, or null. */
  refresh: number | null;
}

function page(frame: ConsoleFrame, title: string, body: Html): Html {
  const nav = frame.siteIds
    ? html`<nav aria-label="Console"><ul><li><a href="/admin">Overview</a></li>${frame.siteIds.map(
        (id) => html`<li><a href="/admin/sites/${encodeURIComponent(id)}">${id}</a></li>`,
      )}</ul></nav>
<form method="post" action="/admin/logout"><input type="hidden" name="_csrf" value="${frame.csrf}">
<button type="submit">Sign out</button></form>`
    : null;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
${frame.refresh ? html`<meta http-equiv="refresh" content="${frame.refresh}">` : null}
<title>${title} – otpgate admin</title>
<style>${trusted(css)}</style>
</head>
<body>
<header><strong>otpgate admin</strong>${nav}</header>
<main>
${body}
</main>
</body>
</html>`;
}

const invalid = trusted(' aria-invalid="true" aria-describedby="token-error"');

export function signInPage(frame: ConsoleFrame, error: string | null): Html {
  return page(
    frame,
    'Sign in',
    html`<section class="signin">
<h1>Sign in to the admin console</h1>
${error ? html`<div class="alert" role="alert"><p>${error}</p></div>` : null}
<form method="post" action="/admin/login">
<input type="hidden" name="_csrf" value="${frame.csrf}">
<label for="token">Admin token</label>
<input id="token" name="token" type="password" autocomplete="current-password" required${error ? invalid : ''}>
${error ? html`<p id="token-error" class="hint">The token is admin.token from the server's configuration.</p>` : null}
<button type="submit">Sign in</button>
</form>
</section>`,
  );
}

const percent = (rate: number | null) => (rate === null ? '–' : `${(rate * 100).toFixed(rate === 1 || rate === 0 ? 0 : 1)} %`);
const when = (iso: string) => iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
const bucketLabel = (at: Date, hours: number) =>
  hours > 24 ? at.toISOString().slice(5, 16).replace('T', ' ') : at.toISOString().slice(11, 16);

function charts(report: SiteReport, hours: number, id: string): Html {
  const labels = report.buckets.map((b) => bucketLabel(b.at, hours));
  const delivered = report.buckets.reduce((n, b) => n + b.delivered, 0);
  const failed = report.buckets.reduce((n, b) => n + b.failed, 0);
  const started = report.buckets.reduce((n, b) => n + b.started, 0);
  const verified = report.buckets.reduce((n, b) => n + b.verified, 0);
  return html`${barChart({
    id: `${id}-sends`,
    title: `Delivery attempts${report.focus ? ` of ${report.focus.by} ${report.focus.key}` : ''} per ${report.bucketMinutes} min`,
    summary: `${delivered} delivered and ${failed} failed attempts in the last ${hours} h.`,
    labels,
    series: [
      { name: 'delivered', colour: '#2e8540', values: report.buckets.map((b) => b.delivered) },
      { name: 'failed', colour: '#c8102e', values: report.buckets.map((b) => b.failed) },
    ],
  })}
${barChart({
  id: `${id}-conversion`,
  title: `Codes sent and verified per ${report.bucketMinutes} min`,
  summary: `${started} codes sent, ${verified} verified (${percent(report.conversion)}) in the last ${hours} h.`,
  labels,
  series: [
    { name: 'verified', colour: '#1f4fbf', values: report.buckets.map((b) => b.verified) },
    { name: 'sent, not verified', colour: '#9aa5b1', values: report.buckets.map((b) => b.started - b.verified) },
  ],
})}`;
}

/** `chartHref`: where a row's "Chart" link shows that handler's or country's attempts over time; null: no links. */
function rateTable(caption: string, heading: string, rows: ReportRow[], chartHref: ((key: string) => string) | null = null): Html {
  if (rows.length === 0) return html`<p>No delivery attempts in this window.</p>`;
  return html`<table>
<caption class="visually-hidden">${caption}</caption>
<thead><tr><th scope="col">${heading}</th><th scope="col" class="num">Attempts</th><th scope="col" class="num">Succeeded</th>
<th scope="col" class="num">Success</th><th scope="col" class="num">Success, last quarter</th><th scope="col">State</th>
${chartHref ? html`<th scope="col">Over time</th>` : null}</tr>
</thead>
<tbody>${rows.map((r) => {
    const failing = r.recentRate !== null && r.recentRate < FAILING_BELOW;
    return html`<tr data-key="${r.key}"><th scope="row">${r.key}</th><td class="num">${r.attempts}</td>
<td class="num">${r.succeeded}</td><td class="num">${percent(r.successRate)}</td><td class="num">${percent(r.recentRate)}</td>
<td class="${failing ? 'failing' : 'ok'}">${failing ? 'Failing' : 'OK'}</td>
${chartHref ? html`<td><a href="${chartHref(r.key)}">Chart ${r.key}</a></td>` : null}</tr>`;
  })}</tbody>
</table>`;
}

export function overviewPage(frame: ConsoleFrame, hours: number, sites: { id: string; name: string; report: SiteReport }[]): Html {
  return page(
    frame,
    'Overview',
    html`<h1>Overview</h1>
${windowLinks('/admin', hours, frame.refresh)}
<div class="cards">${sites.map(
      ({ id, name, report }) => html`<section aria-labelledby="site-${id}">
<h2 id="site-${id}"><a href="/admin/sites/${encodeURIComponent(id)}?hours=${hours}">${name} (${id})</a></h2>
${charts(report, hours, `chart-${id}`)}
${rateTable(`Delivery success by handler, site ${id}`, 'Handler', report.byHandler)}
</section>`,
    )}</div>`,
  );
}

function windowLinks(path: string, hours: number, refresh: number | null): Html {
  const link = (h: number, r: number | null) => `${path}?hours=${h}${r ? `&refresh=${r}` : ''}`;
  return html`<p class="filters"><span>Window:</span>${WINDOWS.map((h) =>
    h === hours ? html`<strong aria-current="true">${h} h</strong>` : html`<a href="${link(h, refresh)}">${h} h</a>`,
  )}<span>·</span>${
    refresh
      ? html`<a href="${link(hours, null)}">Stop refreshing (every ${refresh} s now)</a>`
      : html`<a href="${link(hours, 10)}">Refresh every 10 s</a>`
  }</p>`;
}

export interface SitePageInput {
  site: { id: string; name: string; handlers: string[] };
  hours: number;
  report: SiteReport;
  filters: Record<string, string>;
  deliveries: Attempt[];
  verifications: Verification[];
  blocks: Block[];
  audit: Audit[];
  message: { kind: 'error' | 'notice'; text: string } | null;
}

export function sitePage(frame: ConsoleFrame, input: SitePageInput): Html {
  const { site, hours, report, filters } = input;
  const base = `/admin/sites/${encodeURIComponent(site.id)}`;
  const chartOf = (by: string) => (key: string) => `${base}?hours=${hours}&chart=${by}:${encodeURIComponent(key)}#charts`;
  const option = (value: string, selected: string | undefined, label = value) =>
    html`<option value="${value}"${value === (selected ?? '') ? trusted(' selected') : ''}>${label}</option>`;
  return page(
    frame,
    site.name,
    html`<h1>${site.name} (${site.id})</h1>
${
  input.message
    ? html`<div class="alert ${input.message.kind === 'notice' ? 'notice' : ''}" role="status">
<p>${input.message.text}</p></div>`
    : null
}
${windowLinks(base, hours, frame.refresh)}
<section aria-labelledby="charts"><h2 id="charts">Sends and conversion, last ${hours} h</h2>
${
  report.focus
    ? html`<p>Attempts of ${report.focus.by} ${report.focus.key} only.
<a href="${base}?hours=${hours}">Whole site</a></p>`
    : null
}
${charts(report, hours, 'chart')}</section>
<section aria-labelledby="handlers">
<h2 id="handlers">Delivery by handler</h2>
${rateTable('Delivery success by handler', 'Handler', report.byHandler, chartOf('handler'))}</section>
<section aria-labelledby="countries">
<h2 id="countries">Delivery by country</h2>
${rateTable('Delivery success by country', 'Country', report.byCountry, chartOf('country'))}</section>
<section aria-labelledby="deliveries"><h2 id="deliveries">Delivery attempts</h2>
<form method="get" action="${base}" class="filters" aria-label="Filter delivery attempts">
<input type="hidden" name="hours" value="${hours}">
<div><label for="f-handler">Handler</label>
<select id="f-handler" name="handler">${option('', filters.handler, 'any')}${site.handlers.map((h) => option(h, filters.handler))}</select>
</div>
<div><label for="f-result">Result</label>
<select id="f-result" name="result">${option('', filters.result, 'any')}${DELIVERY_RESULTS.map((r) => option(r, filters.result))}</select>
</div>
<div><label for="f-country">Country</label>
<input id="f-country" name="country" value="${filters.country ?? ''}" size="4" maxlength="2" placeholder="US"></div>
<div><button type="submit">Filter</button></div>
</form>
${deliveriesTable(input.deliveries)}
</section>
<section aria-labelledby="verifications">
<h2 id="verifications">Recent verifications</h2>${verificationsTable(input.verifications)}</section>
<section aria-labelledby="blocks"><h2 id="blocks">Throttled destinations</h2>${blocksTable(frame, base, input.blocks)}</section>
<section aria-labelledby="test"><h2 id="test">Send a test message</h2>
<form method="post" action="${base}/test-message" class="filters">
<input type="hidden" name="_csrf" value="${frame.csrf}">
<div><label for="t-phone">Mobile number</label>
<input id="t-phone" name="phone" type="tel" autocomplete="off" required placeholder="+14155550101"></div>
<div><label for="t-channel">Channel</label>
<select id="t-channel" name="channel">${option('sms', 'sms')}${option('voice', undefined)}${option('whatsapp', undefined)}</select>
</div>
<div><button type="submit">Send test message</button></div>
</form></section>
<section aria-labelledby="audit"><h2 id="audit">Audit events</h2>${auditTable(input.audit)}</section>`,
  );
}

function deliveriesTable(rows: Attempt[]): Html {
  if (rows.length === 0) return html`<p>No delivery attempts match.</p>`;
  return html`<table id="deliveries-table"><thead><tr><th scope="col">Time</th><th scope="col">Handler</th><th scope="col">Try</th>
<th scope="col">Result</th><th scope="col">Country</th><th scope="col" class="num">ms</th><th scope="col">Detail</th>
<th scope="col">Receipt</th></tr></thead>
<tbody>${rows.map(
    (a) =>
      html`<tr><td>${when(a.at)}</td><td>${a.handler}</td><td class="num">${a.attempt}</td>
<td class="${a.result === 'SUCCESS' ? 'ok' : 'failing'}">${a.result}</td><td>${a.country ?? '–'}</td>
<td class="num">${a.latencyMs}</td><td>${a.detail ?? ''}</td>
<td>${a.receipt ? `${a.receipt.status} (${a.receipt.providerStatus})` : '–'}</td></tr>`,
  )}</tbody></table>`;
}

function verificationsTable(rows: Verification[]): Html {
  if (rows.length === 0) return html`<p>No verifications yet.</p>`;
  return html`<table><thead><tr><th scope="col">Started</th><th scope="col">Use case</th><th scope="col">Phone</th>
<th scope="col">Status</th><th scope="col" class="num">Wrong codes</th><th scope="col" class="num">Sends</th></tr></thead>
<tbody>${rows.map(
    (v) =>
      html`<tr><td>${when(v.createdAt)}</td><td>${v.useCase}</td><td>${v.phone}</td><td>${v.status}</td>
<td class="num">${v.attempts}/${v.maxAttempts}</td><td class="num">${v.sends}</td></tr>`,
  )}</tbody></table>`;
}

function blocksTable(frame: ConsoleFrame, base: string, rows: Block[]): Html {
  if (rows.length === 0) return html`<p>Nothing is throttled.</p>`;
  return html`<table><thead><tr><th scope="col">Destination</th><th scope="col">Since</th><th scope="col">Until</th>
<th scope="col" class="num">Sends</th><th scope="col" class="num">Verified</th><th scope="col">Action</th></tr></thead>
<tbody>${rows.map(
    (b) =>
      html`<tr><td>${b.destination}</td><td>${when(b.blockedAt)}</td><td>${when(b.until)}</td><td class="num">${b.sends}</td>
<td class="num">${b.verified}</td><td><form method="post" action="${base}/blocks/lift">
<input type="hidden" name="_csrf" value="${frame.csrf}"><input type="hidden" name="destination" value="${b.destination}">
<button type="submit">Lift ${b.destination}</button></form></td></tr>`,
  )}</tbody></table>`;
}

function auditTable(rows: Audit[]): Html {
  if (rows.length === 0) return html`<p>No audit events.</p>`;
  return html`<table><thead><tr><th scope="col">Time</th><th scope="col">Event</th><th scope="col">Use case</th>
<th scope="col">Address</th><th scope="col">Detail</th></tr></thead>
<tbody>${rows.map(
    (e) =>
      html`<tr><td>${when(e.at)}</td><td>${e.type}</td><td>${e.useCase ?? ''}</td><td>${e.ip ?? ''}</td><td>
<code>${JSON.stringify(e.detail)}</code></td></tr>`,
  )}</tbody></table>`;
}
