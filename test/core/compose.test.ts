import { describe, expect, it } from 'vitest';
import { compose, StageError, validateStages, type Stage } from '../../src/core/compose.js';
import { CroupierError } from '../../src/core/errors.js';

type T = { log: string[] };
const stage = (name: string, body?: (turn: T, next: () => Promise<void>) => Promise<void>, requires?: string[]): Stage<T> => ({
  name,
  ...(requires ? { requires } : {}),
  run:
    body ??
    (async (turn, next) => {
      turn.log.push(`${name}>`);
      await next();
      turn.log.push(`<${name}`);
    }),
});

describe('compose', () => {
  it('runs stages in order, in and back out', async () => {
    const turn: T = { log: [] };
    await compose([stage('a'), stage('b'), stage('c')])(turn);
    expect(turn.log).toEqual(['a>', 'b>', 'c>', '<c', '<b', '<a']);
  });

  it('stops when a stage does not call next', async () => {
    const turn: T = { log: [] };
    await compose([stage('a'), stage('stop', async (t) => void t.log.push('stop')), stage('never')])(turn);
    expect(turn.log).toEqual(['a>', 'stop', '<a']);
  });

  it('refuses a second call to next with a stable code', async () => {
    const twice = stage('twice', async (_t, next) => {
      await next();
      await next();
    });
    const error = await compose([twice, stage('b')])({ log: [] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StageError);
    expect((error as StageError).stage).toBe('twice');
    expect(((error as StageError).cause as CroupierError).code).toBe('CROUPIER_PIPELINE_NEXT_TWICE');
  });

  it('names the stage that threw, once, even through outer stages', async () => {
    const boom = stage('boom', async () => {
      throw new Error('kaput');
    });
    const error = await compose([stage('outer'), boom])({ log: [] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StageError);
    expect((error as StageError).stage).toBe('boom');
    expect((error as StageError).code).toBe('CROUPIER_PIPELINE_STAGE_FAILED');
    expect(((error as StageError).cause as Error).message).toBe('kaput');
  });
});

describe('validateStages', () => {
  const code = (fn: () => void) => {
    try {
      fn();
    } catch (error) {
      return (error as CroupierError).code;
    }
    return undefined;
  };
  it('rejects duplicate names, bad names and missing prerequisites when the pipeline is built', () => {
    expect(code(() => validateStages([stage('a'), stage('a')]))).toBe('CROUPIER_PIPELINE_STAGE_INVALID');
    expect(code(() => validateStages([stage('Bad Name')]))).toBe('CROUPIER_PIPELINE_STAGE_INVALID');
    expect(code(() => validateStages([stage('bot', undefined, ['conversation']), stage('conversation')]))).toBe(
      'CROUPIER_PIPELINE_STAGE_INVALID',
    );
    expect(code(() => validateStages([stage('conversation'), stage('bot', undefined, ['conversation'])]))).toBeUndefined();
  });
});
