import { loadIntentDirectory } from '../src/nlu/intent-file.js';
import { createNlu } from '../src/nlu/nlu.js';
const { corpus, issues } = loadIntentDirectory('intents', '.');
if (issues.length) console.log(issues);
const t0 = performance.now();
const nlu = createNlu(corpus);
console.log('train ms', (performance.now() - t0).toFixed(0));
for (const t of [
  'hi',
  'where is my withdrawl??',
  'my deposit with skril didnt arrive 50€',
  'i want to talk to a human',
  'whats the weather',
  'i cant stop playing',
  'forgot pass',
  'the game froze mid spin',
  'code doesnt work',
  'gracias',
  'hola',
  'привет',
  'mersi',
  'danke',
]) {
  const p = nlu.parse(t, { remembered: 'en' });
  console.log(t, '→', p.language, p.intent, p.confidence.toFixed(2), p.ambiguous ? 'AMB' : '', JSON.stringify(p.entities));
}
// 5-fold CV per language
const { IntentClassifier } = await import('../src/nlu/classifier.js');
for (const [lang, c] of corpus) {
  let ok = 0;
  const n = c.examples.length;
  for (let f = 0; f < 5; f++) {
    const train = c.examples.filter((_, i) => i % 5 !== f).map((e) => ({ text: e.text, label: e.intent }));
    const test = c.examples.filter((_, i) => i % 5 === f);
    const m = IntentClassifier.train(train, lang);
    for (const e of test) if (m.predict(e.text, 1)[0]?.label === e.intent) ok++;
  }
  console.log(lang, 'cv acc', (ok / n).toFixed(3));
}
