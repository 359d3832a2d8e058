/**
 * The condition language of flow `branch` steps, small on purpose so content teams can read it:
 *
 *   player.vip_tier in [gold, platinum] and slots.amount >= 500
 *   not player.verified or player.kyc_status == "pending"
 *   exists entities.payment_method
 *
 * Operators: `==`, `!=`, `>`, `>=`, `<`, `<=`, `in [..]`, `contains`, `exists <path>`, `not`,
 * `and`, `or`, parentheses. Values: numbers, quoted or bare words, `true`, `false`, `null`.
 * Parsed once at load time (a syntax error is a content issue with its column), evaluated
 * against a plain object; no `eval`, no property access beyond plain data.
 */
export type Condition =
  | { readonly op: 'and' | 'or'; readonly left: Condition; readonly right: Condition }
  | { readonly op: 'not'; readonly inner: Condition }
  | { readonly op: 'exists'; readonly path: readonly string[] }
  | { readonly op: 'truthy'; readonly path: readonly string[] }
  | { readonly op: Comparison; readonly path: readonly string[]; readonly value: Literal }
  | { readonly op: 'in'; readonly path: readonly string[]; readonly values: readonly Literal[] };

type Comparison = '==' | '!=' | '>' | '>=' | '<' | '<=' | 'contains';
type Literal = string | number | boolean | null;

export class ConditionSyntaxError extends Error {
  constructor(
    message: string,
    readonly column: number,
  ) {
    super(message);
  }
}

interface Token {
  readonly kind: 'word' | 'string' | 'number' | 'op' | 'punct';
  readonly text: string;
  readonly column: number;
}

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  const pattern = /\s*(?:(-?\d+(?:\.\d+)?)(?![\w.])|"([^"]*)"|'([^']*)'|(==|!=|>=|<=|>|<)|([()[\],])|([\p{L}_][\p{L}\p{N}_.-]*))/uy;
  let index = 0;
  while (index < source.length) {
    if (/^\s*$/.test(source.slice(index))) break;
    pattern.lastIndex = index;
    const match = pattern.exec(source);
    if (!match) throw new ConditionSyntaxError(`unexpected "${source.slice(index).trim().slice(0, 12)}"`, index + 1);
    const column = index + (match[0].length - match[0].trimStart().length) + 1;
    if (match[1] !== undefined) tokens.push({ kind: 'number', text: match[1], column });
    else if (match[2] !== undefined) tokens.push({ kind: 'string', text: match[2], column });
    else if (match[3] !== undefined) tokens.push({ kind: 'string', text: match[3], column });
    else if (match[4] !== undefined) tokens.push({ kind: 'op', text: match[4], column });
    else if (match[5] !== undefined) tokens.push({ kind: 'punct', text: match[5], column });
    else tokens.push({ kind: 'word', text: match[6] ?? '', column });
    index = pattern.lastIndex;
  }
  return tokens;
}

/** Parses a condition; throws {@link ConditionSyntaxError} with a 1-based column. */
export function parseCondition(source: string): Condition {
  const tokens = tokenize(source);
  let position = 0;
  const peek = () => tokens[position];
  const endColumn = source.length + 1;
  const expect = (text: string) => {
    const token = tokens[position];
    if (!token || token.text !== text) throw new ConditionSyntaxError(`expected "${text}"`, token?.column ?? endColumn);
    position++;
  };
  const isWord = (token: Token | undefined, word: string) => token?.kind === 'word' && token.text.toLowerCase() === word;

  const literal = (): Literal => {
    const token = tokens[position++];
    if (!token) throw new ConditionSyntaxError('expected a value', endColumn);
    if (token.kind === 'number') return Number(token.text);
    if (token.kind === 'string') return token.text;
    if (token.kind === 'word') {
      if (token.text === 'true') return true;
      if (token.text === 'false') return false;
      if (token.text === 'null') return null;
      return token.text;
    }
    throw new ConditionSyntaxError(`expected a value, got "${token.text}"`, token.column);
  };
  const path = (): string[] => {
    const token = tokens[position++];
    if (!token || token.kind !== 'word')
      throw new ConditionSyntaxError('expected a field such as slots.amount or player.vip_tier', token?.column ?? endColumn);
    return token.text.split('.');
  };
  const primary = (): Condition => {
    const token = peek();
    if (token?.text === '(') {
      position++;
      const inner = or();
      expect(')');
      return inner;
    }
    if (isWord(token, 'not')) {
      position++;
      return { op: 'not', inner: primary() };
    }
    if (isWord(token, 'exists')) {
      position++;
      return { op: 'exists', path: path() };
    }
    const field = path();
    const next = peek();
    if (next?.kind === 'op') {
      position++;
      return { op: next.text as Comparison, path: field, value: literal() };
    }
    if (isWord(next, 'contains')) {
      position++;
      return { op: 'contains', path: field, value: literal() };
    }
    if (isWord(next, 'in')) {
      position++;
      expect('[');
      const values: Literal[] = [];
      while (peek()?.text !== ']') {
        values.push(literal());
        if (peek()?.text === ',') position++;
        else break;
      }
      expect(']');
      return { op: 'in', path: field, values };
    }
    return { op: 'truthy', path: field };
  };
  const and = (): Condition => {
    let left = primary();
    while (isWord(peek(), 'and')) {
      position++;
      left = { op: 'and', left, right: primary() };
    }
    return left;
  };
  function or(): Condition {
    let left = and();
    while (isWord(peek(), 'or')) {
      position++;
      left = { op: 'or', left, right: and() };
    }
    return left;
  }
  if (tokens.length === 0) throw new ConditionSyntaxError('the condition is empty', 1);
  const result = or();
  const rest = peek();
  if (rest) throw new ConditionSyntaxError(`unexpected "${rest.text}"`, rest.column);
  return result;
}

/** Reads `a.b.c` from plain data; anything that is not a plain own property is undefined. */
export function readPath(data: unknown, path: readonly string[]): unknown {
  let current: unknown = data;
  for (const part of path) {
    if (current === null || typeof current !== 'object' || !Object.prototype.hasOwnProperty.call(current, part)) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

/** The first segment of every path a condition reads (for validation: slots, player, entities…). */
export function conditionPaths(condition: Condition): (readonly string[])[] {
  switch (condition.op) {
    case 'and':
    case 'or':
      return [...conditionPaths(condition.left), ...conditionPaths(condition.right)];
    case 'not':
      return conditionPaths(condition.inner);
    default:
      return [condition.path];
  }
}

export function evaluate(condition: Condition, data: unknown): boolean {
  switch (condition.op) {
    case 'and':
      return evaluate(condition.left, data) && evaluate(condition.right, data);
    case 'or':
      return evaluate(condition.left, data) || evaluate(condition.right, data);
    case 'not':
      return !evaluate(condition.inner, data);
    case 'exists': {
      const value = readPath(data, condition.path);
      return value !== undefined && value !== null;
    }
    case 'truthy':
      return Boolean(readPath(data, condition.path));
    case 'in': {
      const value = readPath(data, condition.path);
      return condition.values.some((candidate) => looseEquals(value, candidate));
    }
    case 'contains': {
      const value = readPath(data, condition.path);
      if (Array.isArray(value)) return value.some((item) => looseEquals(item, condition.value));
      return (
        typeof value === 'string' && typeof condition.value === 'string' && value.toLowerCase().includes(condition.value.toLowerCase())
      );
    }
    case '==':
      return looseEquals(readPath(data, condition.path), condition.value);
    case '!=':
      return !looseEquals(readPath(data, condition.path), condition.value);
    default: {
      const value = readPath(data, condition.path);
      const left = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
      const right = typeof condition.value === 'number' ? condition.value : Number(condition.value);
      if (Number.isNaN(left) || Number.isNaN(right)) return false;
      if (condition.op === '>') return left > right;
      if (condition.op === '>=') return left >= right;
      if (condition.op === '<') return left < right;
      return left <= right;
    }
  }
}

/** Content teams write `gold` for "gold" and `500` for 500; compare case-insensitively as text. */
function looseEquals(value: unknown, literal: Literal): boolean {
  if (value === undefined) return literal === null;
  if (value === null || literal === null) return value === literal;
  if (typeof value === 'number' || typeof literal === 'number') return Number(value) === Number(literal);
  if (typeof value === 'boolean' || typeof literal === 'boolean') return typeof value === 'boolean' && String(value) === String(literal);
  return typeof value === 'string' && value.toLowerCase() === String(literal).toLowerCase();
}
