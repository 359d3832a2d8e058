import { loadIntentDirectory } from '../src/nlu/intent-file.js';
const { corpus, issues } = loadIntentDirectory('intents', '.');
console.log(issues);
for (const [l, c] of corpus) {
  const counts: Record<string, number> = {};
  for (const e of c.examples) counts[e.intent] = (counts[e.intent] ?? 0) + 1;
  console.log(l, c.examples.length, c.outOfScope.length, JSON.stringify(counts));
}
