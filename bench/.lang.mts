import { loadIntentDirectory } from '../src/nlu/intent-file.js';
import { LanguageDetector } from '../src/nlu/language.js';
import { createNlu } from '../src/nlu/nlu.js';
const { corpus } = loadIntentDirectory('intents', '.');
const d = LanguageDetector.train(corpus);
const nlu = createNlu(corpus);
for (const [t, r] of [
  ['spasibo bolshoe', 'ru'],
  ['spasibo bolshoe', 'en'],
  ['hola', 'en'],
  ['mersi', 'en'],
  ['danke', 'en'],
  ['privet', 'en'],
  ['ok', 'de'],
  ['thanks, bye', 'en'],
] as const) {
  const g = d.detect(t, { remembered: r });
  const p = nlu.parse(t, { remembered: r });
  console.log(
    t,
    r,
    '→',
    g.language,
    g.confidence.toFixed(2),
    JSON.stringify(Object.fromEntries(Object.entries(g.scores).map(([k, v]) => [k, +v.toFixed(2)]))),
    p.intent,
    p.confidence.toFixed(2),
    p.ambiguous,
    JSON.stringify(p.ranking.map((x) => [x.intent, +x.confidence.toFixed(2)])),
  );
}
