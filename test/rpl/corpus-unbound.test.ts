// Deckard's resolver set on the emulator, unbound profile (see corpus.ts).

import { test } from 'node:test';
import { checkCorpus } from './corpus.ts';

test('Deckard sets/resolver on the emulated resolver, unbound profile: the listed files fail, no others', async () => {
  await checkCorpus('unbound');
});
