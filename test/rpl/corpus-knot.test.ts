// Deckard's resolver set on the emulator, knot-resolver profile (see corpus.ts).

import { test } from 'node:test';
import { checkCorpus } from './corpus.ts';

test('Deckard sets/resolver on the emulated resolver, knot-resolver profile: the listed files fail, no others', async () => {
  await checkCorpus('knot-resolver');
});
