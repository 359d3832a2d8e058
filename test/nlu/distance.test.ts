import { describe, expect, it } from 'vitest';
import { damerauLevenshtein } from '../../src/nlu/distance.js';
import natural from '../../src/nlu/natural.js';

/** A small deterministic generator, so a failure names a reproducible pair. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 4294967296;
  };
}

describe('damerauLevenshtein', () => {
  const costSets = [
    { natural: { transposition_cost: 1 }, ours: { transposition: 1 } },
    {
      natural: { transposition_cost: 1, substitution_cost: 2, insertion_cost: 2, deletion_cost: 2 },
      ours: { transposition: 1, substitution: 2, insertion: 2, deletion: 2 },
    },
    {
      natural: { transposition_cost: 3, substitution_cost: 1, insertion_cost: 2, deletion_cost: 5 },
      ours: { transposition: 3, substitution: 1, insertion: 2, deletion: 5 },
    },
  ];

  it('gives natural’s distances on the typos the entity matcher sees', () => {
    const pairs: [string, string][] = [
      ['vsia', 'visa'],
      ['skril', 'skrill'],
      ['netteler', 'neteller'],
      ['passwort', 'passport'],
      ['ca', 'abc'],
      ['abcdef', 'badcfe'],
      ['', 'abc'],
      ['привет', 'приевт'],
      ['contraseña', 'contrasena'],
    ];
    for (const [a, b] of pairs) {
      for (const costs of costSets) {
        expect(damerauLevenshtein(a, b, costs.ours), `${a} → ${b}`).toBe(natural.DamerauLevenshteinDistance(a, b, { ...costs.natural }));
      }
    }
  });

  it('gives natural’s distances on thousands of random pairs over a small alphabet (where transpositions abound)', () => {
    const random = generator(42);
    const word = (alphabet: string) => {
      const length = Math.floor(random() * 10);
      let text = '';
      for (let i = 0; i < length; i++) text += alphabet[Math.floor(random() * alphabet.length)];
      return text;
    };
    for (let i = 0; i < 6000; i++) {
      const alphabet = i % 2 === 0 ? 'abc' : 'abcdeфы';
      const a = word(alphabet);
      const b = random() < 0.3 ? [...a].reverse().join('') : word(alphabet);
      const costs = costSets[i % costSets.length]!;
      expect(damerauLevenshtein(a, b, costs.ours), `${a} → ${b}`).toBe(natural.DamerauLevenshteinDistance(a, b, { ...costs.natural }));
    }
  });
});
