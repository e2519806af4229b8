import assert from 'node:assert/strict';
import { test } from 'node:test';
import { de } from './de.js';
import { en } from './en.js';
import { es } from './es.js';
import { fr } from './fr.js';
import { acceptedLanguages, pickLocale, translator } from './index.js';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

test('every catalog has the same keys and the same placeholders as English', () => {
  for (const [name, catalog] of Object.entries({ es, fr, de })) {
    assert.deepEqual(Object.keys(catalog).sort(), Object.keys(en).sort(), name);
    for (const [key, text] of Object.entries(en))
      assert.deepEqual(placeholders(catalog[key as keyof typeof en]), placeholders(text), `${name} ${key}`);
  }
});

test('plural forms follow each language', () => {
  assert.equal(translator('en').plural('error.invalid_code', 1), 'That code is not right. You have 1 attempt left.');
  assert.equal(translator('en').plural('error.invalid_code', 3), 'That code is not right. You have 3 attempts left.');
  assert.equal(translator('fr').plural('error.invalid_code', 1), "Ce code n'est pas le bon. Il vous reste 1 essai.");
  assert.equal(translator('de').plural('error.resend_too_soon', 20), 'Sie können in 20 Sekunden einen neuen Code anfordern.');
});

test('the first supported candidate wins; English when none is', () => {
  assert.equal(pickLocale([null, 'it', 'fr-CA', 'de']), 'fr');
  assert.equal(pickLocale(['ja', undefined]), 'en');
  assert.deepEqual(acceptedLanguages('it;q=0.9, de-DE, en;q=0.5, fr;q=0, *'), ['de-DE', 'it', 'en']);
  assert.deepEqual(acceptedLanguages(undefined), []);
});
