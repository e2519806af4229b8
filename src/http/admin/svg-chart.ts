/**
 * The console's charts, drawn on the server as inline SVG (no script, nothing fetched): bars per time bucket,
 * stacked by series. Each chart is an image with a title and a one-line summary for screen readers, and its
 * numbers are in a table right after it.
 */
import { html, type Html } from '../pages/html.js';

export interface ChartSeries {
  name: string;
  /** A colour that also reads in greyscale against its neighbour. */
  colour: string;
  values: number[];
}

const WIDTH = 720;
const HEIGHT = 160;
const PAD = 28;

export function barChart(input: { id: string; title: string; summary: string; labels: string[]; series: ChartSeries[] }): Html {
  const { id, title, summary, labels, series } = input;
  const totals = labels.map((_, i) => series.reduce((n, s) => n + (s.values[i] ?? 0), 0));
  const max = Math.max(1, ...totals);
  const slot = (WIDTH - PAD) / Math.max(1, labels.length);
  const bar = Math.max(1, slot * 0.8);
  const y = (v: number) => ((HEIGHT - PAD) * v) / max;
  const bars = labels.map((label, i) => {
    let top = HEIGHT - PAD;
    return series.map((s) => {
      const h = y(s.values[i] ?? 0);
      top -= h;
      return h > 0
        ? html`<rect x="${(PAD + i * slot).toFixed(1)}" y="${top.toFixed(1)}" width="${bar.toFixed(1)}" height="${h.toFixed(1)}"
fill="${s.colour}">
<title>${label} ${s.name}: ${s.values[i] ?? 0}</title></rect>`
        : null;
    });
  });
  const first = labels[0] ?? '';
  const last = labels.at(-1) ?? '';
  return html`<figure class="chart">
<svg id="${id}" role="img" aria-labelledby="${id}-title ${id}-desc" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="100%"
 preserveAspectRatio="none">
<title id="${id}-title">${title}</title><desc id="${id}-desc">${summary}</desc>
<line x1="${PAD}" y1="${HEIGHT - PAD}" x2="${WIDTH}" y2="${HEIGHT - PAD}" stroke="#6b6b6b"/>
<text x="0" y="12" font-size="11" fill="#1a1a1a">${max}</text><text x="0" y="${HEIGHT - PAD}" font-size="11" fill="#1a1a1a">0</text>
<text x="${PAD}" y="${HEIGHT - 8}" font-size="11" fill="#1a1a1a">${first}</text>
<text x="${WIDTH}" y="${HEIGHT - 8}" font-size="11" text-anchor="end" fill="#1a1a1a">${last}</text>
${bars}
</svg>
<figcaption>${title}: ${series.map(
    (s) => html`<span class="key"><span class="swatch" style="background:${s.colour}">
</span>${s.name}</span> `,
  )}</figcaption>
</figure>`;
}
