import { describe, expect, it } from 'vitest';
import { textMessage, type Button } from '../../src/core/message.js';
import { chooseOptions, numberedMenu, render, showsNumbered, split, type ChannelCapabilities } from '../../src/core/render.js';

const rich: ChannelCapabilities = { buttons: { max: 3, labelMax: 20 }, list: { max: 10, labelMax: 24 }, textMax: 100, formatting: 'plain' };
const plain: ChannelCapabilities = { buttons: null, textMax: 60, formatting: 'plain' };
const options = (n: number, label = 'Option'): Button[] =>
  Array.from({ length: n }, (_, i) => ({ label: `${label} ${i + 1}`, payload: `p${i + 1}` }));

describe('render', () => {
  it('keeps buttons when they fit the channel', () => {
    const [only, ...rest] = render(textMessage('Pick one', options(3)) as never, rich);
    expect(rest).toHaveLength(0);
    expect(only).toEqual({ text: 'Pick one', options: { style: 'buttons', buttons: options(3) } });
  });

  it('degrades to a list when there are more options than buttons, and to numbered text beyond the list', () => {
    expect(chooseOptions(options(4), rich).style).toBe('list');
    expect(chooseOptions(options(11), rich).style).toBe('numbered');
    // a label too long for a button but fine for a list row
    expect(chooseOptions([{ label: 'A rather long option label', payload: 'x' }], { ...rich, list: { max: 10, labelMax: 30 } }).style).toBe(
      'list',
    );
  });

  it('writes numbered options into the text on channels without buttons', () => {
    const pieces = render(textMessage('Pick one', options(2)) as never, plain);
    expect(pieces).toHaveLength(1);
    expect(pieces[0]?.text).toBe('Pick one\n\n1. Option 1\n2. Option 2');
    expect(pieces[0]?.options?.style).toBe('numbered');
    expect(showsNumbered(options(2), plain)).toBe(true);
    expect(showsNumbered(options(2), rich)).toBe(false);
    expect(numberedMenu(options(1))).toBe('1. Option 1');
  });

  it('splits long text and attaches the options to the last piece only', () => {
    const long = `${'Paragraph one is here. '.repeat(3).trim()}\n\n${'Second part follows now. '.repeat(3).trim()}`;
    const pieces = render(textMessage(long, options(2)) as never, rich);
    expect(pieces.length).toBeGreaterThan(1);
    expect(pieces.every((piece) => piece.text.length <= rich.textMax && piece.text.trim() !== '')).toBe(true);
    expect(pieces.slice(0, -1).every((piece) => piece.options === undefined)).toBe(true);
    expect(pieces.at(-1)?.options?.style).toBe('buttons');
  });

  it('never sends an empty message', () => {
    expect(render(textMessage('   ') as never, rich)).toEqual([{ text: '…' }]);
  });
});

describe('split', () => {
  it('prefers paragraph, then sentence, then word boundaries', () => {
    expect(split('aaaa bbbb\n\ncccc dddd', 12)).toEqual(['aaaa bbbb', 'cccc dddd']);
    expect(split('One sentence here. Another one there.', 25)).toEqual(['One sentence here.', 'Another one there.']);
    expect(split('alpha beta gamma delta', 11)).toEqual(['alpha beta', 'gamma delta']);
  });

  it('cuts a word longer than the limit, and never a surrogate pair', () => {
    expect(split('abcdefghij', 4)).toEqual(['abcd', 'efgh', 'ij']);
    const pieces = split('😀😀😀', 3);
    expect(pieces.join('')).toBe('😀😀😀');
    expect(pieces.every((piece) => !/[\uD800-\uDBFF]$/.test(piece))).toBe(true);
  });

  it('keeps every character of the text', () => {
    const text = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit. Sed do eiusmod tempor incididunt ut labore.';
    expect(split(text, 30).join(' ').replace(/\s+/g, ' ')).toBe(text);
  });
});
