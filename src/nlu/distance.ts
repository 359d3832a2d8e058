/**
 * natural's `DamerauLevenshteinDistance` (unrestricted, not a search), computing the same costs
 * without its per-cell objects: one reused flat matrix, no allocation per call. The entity matcher
 * calls it for every candidate typo, so it sits on the hot path of every turn.
 *
 * It follows natural's recurrence step by step (including how it remembers the last row and column
 * where a letter matched), so results are identical for any costs; test/nlu/distance.test.ts
 * checks that against natural on random strings.
 */
export interface EditCosts {
  readonly insertion?: number;
  readonly deletion?: number;
  readonly substitution?: number;
  readonly transposition?: number;
}

let matrix = new Float64Array(256);

export function damerauLevenshtein(source: string, target: string, costs: EditCosts = {}): number {
  const insertion = costs.insertion ?? 1;
  const deletion = costs.deletion ?? 1;
  const substitution = costs.substitution ?? 1;
  const transposition = costs.transposition ?? 1;
  const rows = source.length;
  const columns = target.length;
  const width = columns + 1;
  const size = (rows + 1) * width;
  if (matrix.length < size) matrix = new Float64Array(size * 2);
  const d = matrix;
  d[0] = 0;
  for (let row = 1; row <= rows; row++) d[row * width] = (d[(row - 1) * width] as number) + deletion;
  for (let column = 1; column <= columns; column++) d[column] = (d[column - 1] as number) + insertion;
  for (let row = 1; row <= rows; row++) {
    const sourceCode = source.charCodeAt(row - 1);
    // the last column of this row (so far) where the source letter matched the target letter
    let lastColumnMatch = 0;
    const at = row * width;
    const above = at - width;
    for (let column = 1; column <= columns; column++) {
      const targetCode = target.charCodeAt(column - 1);
      let best = (d[at + column - 1] as number) + insertion;
      const toDelete = (d[above + column] as number) + deletion;
      if (toDelete < best) best = toDelete;
      const toSubstitute = (d[above + column - 1] as number) + (sourceCode === targetCode ? 0 : substitution);
      if (toSubstitute < best) best = toSubstitute;
      if (row > 1 && column > 1 && lastColumnMatch > 0) {
        // natural's "last row" of a letter covers the rows seen so far, this one included
        let lastRowMatch = 0;
        for (let r = row; r >= 1; r--) {
          if (source.charCodeAt(r - 1) === targetCode) {
            lastRowMatch = r;
            break;
          }
        }
        if (lastRowMatch > 0) {
          const toTranspose =
            (d[(lastRowMatch - 1) * width + lastColumnMatch - 1] as number) +
            (row - lastRowMatch - 1) * deletion +
            (column - lastColumnMatch - 1) * insertion +
            transposition;
          if (toTranspose < best) best = toTranspose;
        }
      }
      d[at + column] = best;
      if (sourceCode === targetCode) lastColumnMatch = column;
    }
  }
  return d[rows * width + columns] as number;
}
