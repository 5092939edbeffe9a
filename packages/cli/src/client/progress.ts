/** A progress line on stderr for work that can take a while. */
export interface Progress {
  /** Replaces the line's text. */
  update(text: string): void;
  /** Clears the line. */
  done(): void;
}

const silent: Progress = { update: () => {}, done: () => {} };

/**
 * A progress line that rewrites itself on a terminal (stderr), at most ten times a second;
 * nothing at all when stderr is not a terminal, so scripts and pipes see clean output.
 */
export function createProgress(stderr: NodeJS.WriteStream = process.stderr): Progress {
  if (!stderr.isTTY) return silent;
  let shown = false;
  let last = 0;
  return {
    update(text) {
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      shown = true;
      stderr.write(`\r\u001b[2K${text}`);
    },
    done() {
      if (shown) stderr.write("\r\u001b[2K");
      shown = false;
    },
  };
}
