import { readFileSync } from 'node:fs';
import { IntentClassifier } from '../src/nlu/classifier.js';
function csv(path: string) {
  const lines = readFileSync(path, 'utf8').split('\n').slice(1).filter(Boolean);
  return lines.map((line) => {
    const i = line.lastIndexOf(',');
    return { text: line.slice(0, i).replace(/^"|"$/g, ''), label: line.slice(i + 1).trim() };
  });
}
const train = csv('../shared/datasets/banking77/train.csv');
const test = csv('../shared/datasets/banking77/test.csv');
const opts = JSON.parse(process.env['OPTS'] ?? '{}');
const t0 = performance.now();
const model = IntentClassifier.train(train, 'en', opts);
const t1 = performance.now();
let ok = 0;
const lat: number[] = [];
for (const ex of test) {
  const s = performance.now();
  const p = model.predict(ex.text, 1);
  lat.push(performance.now() - s);
  if (p[0]?.label === ex.label) ok++;
}
lat.sort((a, b) => a - b);
console.log(
  JSON.stringify(opts),
  'acc',
  (ok / test.length).toFixed(4),
  'train s',
  ((t1 - t0) / 1000).toFixed(1),
  'median ms',
  lat[lat.length >> 1]?.toFixed(3),
);
