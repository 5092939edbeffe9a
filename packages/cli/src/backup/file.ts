import { createHash, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { createInterface } from "node:readline";
import {
  BackupError,
  backupFormat,
  backupFormatVersion,
  parseBodyLine,
  parseManifest,
  type BodyEntry,
  type Manifest,
} from "./format.js";

/** Appends body lines to a backup being written. */
export interface BodyWriter {
  write(line: string): Promise<void>;
}

/** What the writer of a body reports for the manifest. */
export type BodySummary = Omit<Manifest, "format" | "version" | "createdAt" | "body">;

/**
 * Writes a backup to `out` atomically: the body goes to a temporary file (hashed as it is
 * written), then the manifest and the body to a second temporary file beside `out`, which is
 * synced and renamed over `out`. A failure leaves `out` as it was and removes the temporaries.
 */
export async function writeBackupFile(
  out: string,
  fill: (w: BodyWriter) => Promise<BodySummary>,
): Promise<Manifest> {
  const stem = join(dirname(out), `.${basename(out)}.${randomBytes(6).toString("hex")}`);
  const bodyPath = `${stem}.body`;
  const finalPath = `${stem}.tmp`;
  try {
    const hash = createHash("sha256");
    let bytes = 0;
    const body = createWriteStream(bodyPath, { mode: 0o600 });
    const closed = new Promise<void>((resolve, reject) => {
      body.once("close", resolve);
      body.once("error", reject);
    });
    const summary = await fill({
      async write(line) {
        const buf = Buffer.from(line, "utf8");
        hash.update(buf);
        bytes += buf.length;
        if (!body.write(buf))
          await new Promise<void>((resolve) => body.once("drain", () => resolve()));
      },
    });
    body.end();
    await closed;
    const manifest: Manifest = {
      format: backupFormat,
      version: backupFormatVersion,
      createdAt: new Date().toISOString(),
      ...summary,
      body: { bytes, sha256: hash.digest("hex") },
    };
    const file = await open(finalPath, "w", 0o600);
    try {
      await file.write(`${JSON.stringify(manifest)}\n`);
      for await (const chunk of createReadStream(bodyPath)) await file.write(chunk as Buffer);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(finalPath, out);
    await syncDir(dirname(out));
    return manifest;
  } finally {
    await rm(bodyPath, { force: true });
    await rm(finalPath, { force: true });
  }
}

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** A backup file whose manifest and checksum were verified. */
export interface VerifiedBackup {
  manifest: Manifest;
  /** The body's entries in file order. */
  entries(): AsyncIterable<BodyEntry>;
}

/**
 * Opens a backup: reads and checks the manifest (format and version), then reads the whole
 * body once to check its size and SHA-256. Throws a BackupError naming the problem.
 */
export async function openBackupFile(path: string): Promise<VerifiedBackup> {
  const { line, offset } = await readFirstLine(path);
  const manifest = parseManifest(line);
  const hash = createHash("sha256");
  let bytes = 0;
  for await (const chunk of createReadStream(path, { start: offset })) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  if (bytes !== manifest.body.bytes || hash.digest("hex") !== manifest.body.sha256) {
    throw new BackupError(
      "the backup is corrupted: its body does not match the checksum in its manifest",
    );
  }
  return {
    manifest,
    async *entries() {
      const lines = createInterface({ input: createReadStream(path, { start: offset }) });
      let lineNo = 1;
      for await (const text of lines) {
        lineNo++;
        yield parseBodyLine(text, lineNo);
      }
    },
  };
}

async function readFirstLine(path: string): Promise<{ line: string; offset: number }> {
  let handle;
  try {
    handle = await open(path, "r");
  } catch (err) {
    throw new BackupError(`cannot open the backup ${path}: ${(err as Error).message}`);
  }
  try {
    const chunks: Buffer[] = [];
    let position = 0;
    for (;;) {
      const buf = Buffer.alloc(64 * 1024);
      const { bytesRead } = await handle.read(buf, 0, buf.length, position);
      const chunk = buf.subarray(0, bytesRead);
      const nl = chunk.indexOf(0x0a);
      if (nl >= 0) {
        chunks.push(chunk.subarray(0, nl));
        const line = Buffer.concat(chunks);
        return { line: line.toString("utf8"), offset: line.length + 1 };
      }
      chunks.push(chunk);
      position += bytesRead;
      if (bytesRead === 0 || position > 16 * 1024 * 1024) {
        throw new BackupError("not a Guardian backup: no manifest line");
      }
    }
  } finally {
    await handle.close();
  }
}
