/**
 * A sequential specification of one object, as the linearizability checker uses it: the
 * checker looks for an order of the operations, within their real-time bounds, that this
 * specification accepts.
 */
export interface Model<S, I, O> {
  /** The object's state before the history starts. */
  init(partition: string): S;
  /**
   * Applies one operation to a state. Returns the next state, or undefined when the
   * operation cannot have given `output` in `state`. `output` is undefined for an operation
   * whose outcome is unknown: the step says what it would have done.
   */
  step(state: S, input: I, output: O | undefined): S | undefined;
  /**
   * The input an operation stands for while it is still in flight (in a prefix of the
   * history that ends before its response), given the output it eventually got: what the
   * output reveals about its effect, such as the version a write got, so that a later
   * operation of the prefix that saw the effect is explained. Without it, the input as is.
   */
  inFlight?(input: I, output: O): I;
  /** A string that is equal for equal states (the search memoizes on it). */
  key(state: S): string;
  /** One line for reports: the operation and its outcome. */
  describe(input: I, output: O | undefined): string;
}
