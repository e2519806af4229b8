import assert from 'node:assert/strict';
import { test } from 'node:test';
import { escapeHtml, html, trusted } from './html.js';

test('interpolated values are escaped; Html values and arrays of them are not escaped twice', () => {
  const name = `<img src=x onerror="alert('1')">&`;
  assert.equal(escapeHtml(name), '&lt;img src=x onerror=&quot;alert(&#39;1&#39;)&quot;&gt;&amp;');
  const item = (s: string) => html`<li>${s}</li>`;
  assert.equal(html`<p title="${name}">${name}</p>`.value, `<p title="${escapeHtml(name)}">${escapeHtml(name)}</p>`);
  assert.equal(html`<ul>${['a<b', 'c'].map(item)}</ul>`.value, '<ul><li>a&lt;b</li><li>c</li></ul>');
  assert.equal(html`${null}${undefined}${false}${0}`.value, '0');
  assert.equal(html`<style>${trusted('a>b{}')}</style>`.value, '<style>a>b{}</style>');
});
