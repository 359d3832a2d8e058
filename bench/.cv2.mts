import { loadIntentDirectory } from '../src/nlu/intent-file.js';
import { IntentClassifier } from '../src/nlu/classifier.js';
const { corpus } = loadIntentDirectory('intents', '.');
const opts = JSON.parse(process.env['OPTS'] ?? '{}');
for (const [lang, c] of corpus) {
  let ok = 0;
  const n = c.examples.length;
  const conf: Record<string, number> = {};
  const t0 = performance.now();
  for (let f = 0; f < 5; f++) {
    const train = c.examples.filter((_, i) => i % 5 !== f).map((e) => ({ text: e.text, label: e.intent }));
    const test = c.examples.filter((_, i) => i % 5 === f);
    const m = IntentClassifier.train(train, lang, opts);
    for (const e of test) {
      const p = m.predict(e.text, 1)[0]?.label;
      if (p === e.intent) ok++;
      else {
        const k = `${e.intent}->${p}`;
        conf[k] = (conf[k] ?? 0) + 1;
      }
    }
  }
  console.log(
    JSON.stringify(opts),
    lang,
    'cv acc',
    (ok / n).toFixed(3),
    'ms',
    (performance.now() - t0).toFixed(0),
    process.env['CONF'] ? JSON.stringify(conf) : '',
  );
}
