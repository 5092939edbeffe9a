/**
 * An expected failure of one kind from a fixed list, with facts for the client. A service's
 * engine or backend throws its own subclass, and the service's one error table maps each kind
 * to a Connect code.
 */
export class KindedError<K extends string, D extends object> extends Error {
  constructor(
    readonly kind: K,
    message: string,
    readonly detail: D = {} as D,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
