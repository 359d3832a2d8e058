/**
 * Runs tasks strictly one after another per key, while different keys run concurrently: the
 * ordering guarantee of the pipeline (a player's second message is handled after the first).
 *
 * @example await queue.run(conversationKey, () => handle(message))
 */
export class KeyedQueue {
  readonly #tails = new Map<string, Promise<void>>();
  readonly #inFlight = new Set<Promise<unknown>>();

  run<R>(key: string, task: () => Promise<R>): Promise<R> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const result = previous.then(task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.#tails.set(key, tail);
    this.#inFlight.add(tail);
    void tail.then(() => {
      this.#inFlight.delete(tail);
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return result;
  }

  /** Number of keys with work queued or running. */
  get activeKeys(): number {
    return this.#tails.size;
  }

  /** Resolves when every task queued so far has finished (graceful shutdown). */
  async drain(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.all([...this.#inFlight]);
  }
}
