/**
 * A promise that counts the reactions added to it: every `then` (and so every `await`,
 * `catch`, `finally` and race that follows it). The promises derived from it are plain
 * ones. Tests use it to show that waits leave nothing on a long-pending promise.
 */
export class ReactionCountingPromise<T> extends Promise<T> {
  reactions = 0;

  static override get [Symbol.species]() {
    return Promise;
  }

  override then<A = T, B = never>(
    onFulfilled?: ((value: T) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    this.reactions++;
    return super.then(onFulfilled, onRejected);
  }
}
