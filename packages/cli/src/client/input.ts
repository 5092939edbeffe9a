import { readFile } from "node:fs/promises";
import { createInterface } from "node:readline";
import { UsageError } from "../usage-error.js";

/** Reads all of stdin as UTF-8 text. */
export async function readStdin(stdin: NodeJS.ReadableStream = process.stdin): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}

/** Reads a file, or stdin when the name is "-". */
export async function readTextFile(file: string): Promise<string> {
  if (file === "-") return readStdin();
  try {
    return await readFile(file, "utf8");
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
  }
}

/** Parses JSON text read from `source`, naming the source when it is not JSON. */
export function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new UsageError(`${source} is not valid JSON: ${(err as Error).message}`);
  }
}

/** The first line of stdin without its line ending (a password piped in by a script). */
export async function readSecretLine(): Promise<string> {
  const text = await readStdin();
  return text.replace(/\r?\n$/, "");
}

/** Asks a question on the terminal; with `hidden`, what is typed is not echoed. */
export async function ask(question: string, hidden = false): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  if (hidden) {
    // Echo nothing but the prompt itself while the answer is typed.
    const write = (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput;
    (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = (s: string) => {
      if (s.startsWith(question)) write.call(rl, question);
    };
  }
  try {
    return await new Promise<string>((resolve) => rl.question(question, resolve));
  } finally {
    if (hidden) process.stderr.write("\n");
    rl.close();
  }
}

/** Asks for confirmation on a terminal; without one, `--yes` is required. */
export async function confirm(question: string, yes: boolean | undefined): Promise<void> {
  if (yes) return;
  if (!process.stdin.isTTY) {
    throw new UsageError(
      `${question.replace(/\?$/, "")}: pass --yes to confirm without a terminal`,
    );
  }
  const answer = await ask(`${question} [y/N] `);
  if (!/^y(es)?$/i.test(answer.trim())) throw new UsageError("cancelled");
}
