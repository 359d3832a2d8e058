import { CroupierError } from './errors.js';

export type Next = () => Promise<void>;

/**
 * A named pipeline stage. A stage does its part and calls `next()` to hand the turn on, or returns
 * without calling it to end the turn there (a duplicate, a flood). Work after `await next()` runs on
 * the way back out (saving state, delivering replies).
 */
export interface Stage<T> {
  readonly name: string;
  /** Stages that must come earlier in the pipeline; checked when the pipeline is built. */
  readonly requires?: readonly string[];
  run(turn: T, next: Next): Promise<void>;
}

/** The error a stage threw, tagged with the stage's name; the cause keeps the original. */
export class StageError extends CroupierError {
  readonly stage: string;
  constructor(stage: string, cause: unknown) {
    super('CROUPIER_PIPELINE_STAGE_FAILED', `stage "${stage}" failed: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
      details: { stage, causeCode: cause instanceof CroupierError ? cause.code : undefined },
    });
    this.stage = stage;
  }
}

/** Checks names and order once, at construction: a misassembled pipeline never starts. */
export function validateStages<T>(stages: readonly Stage<T>[]): void {
  const seen = new Set<string>();
  for (const stage of stages) {
    if (!/^[a-z][a-z0-9-]*$/.test(stage.name)) {
      throw new CroupierError('CROUPIER_PIPELINE_STAGE_INVALID', `stage name "${stage.name}" must be kebab-case`);
    }
    if (seen.has(stage.name)) {
      throw new CroupierError('CROUPIER_PIPELINE_STAGE_INVALID', `stage "${stage.name}" is registered twice`);
    }
    for (const required of stage.requires ?? []) {
      if (!seen.has(required)) {
        throw new CroupierError('CROUPIER_PIPELINE_STAGE_INVALID', `stage "${stage.name}" needs "${required}" before it`);
      }
    }
    seen.add(stage.name);
  }
}

/**
 * Composes stages into one function, like koa/hono's compose: each stage receives `next`, which may
 * be called at most once. Errors are wrapped once in a {@link StageError} naming the stage.
 */
export function compose<T>(stages: readonly Stage<T>[]): (turn: T) => Promise<void> {
  validateStages(stages);
  return (turn: T) => {
    const dispatch = async (index: number): Promise<void> => {
      const stage = stages[index];
      if (!stage) return;
      let called = false;
      const next: Next = () => {
        if (called) {
          return Promise.reject(new CroupierError('CROUPIER_PIPELINE_NEXT_TWICE', `stage "${stage.name}" called next() twice`));
        }
        called = true;
        return dispatch(index + 1);
      };
      try {
        await stage.run(turn, next);
      } catch (error) {
        throw error instanceof StageError ? error : new StageError(stage.name, error);
      }
    };
    return dispatch(0);
  };
}
