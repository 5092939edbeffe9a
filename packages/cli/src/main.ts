import "@guardian/kit/plain-proto-keys";
import "./host/preload.js";
import { CommanderError } from "commander";
import { ConnectError } from "@connectrpc/connect";
import { exitCodeOf, exitCodes } from "./client/exit-codes.js";
import { printError } from "./client/output.js";
import { DataDirInUseError } from "./host/data-dir-lock.js";
import { createProgram } from "./program.js";
import { UsageError } from "./usage-error.js";

const program = createProgram();

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof CommanderError) {
    // Commander printed the problem (or the help) already.
    const shown = ["commander.helpDisplayed", "commander.help", "commander.version"];
    process.exit(shown.includes(err.code) ? exitCodes.ok : exitCodes.usage);
  }
  if (err instanceof UsageError) {
    process.stderr.write(`guardian: ${err.message}\n(run "guardian --help" for usage)\n`);
  } else if (err instanceof DataDirInUseError) {
    process.stderr.write(`guardian: ${err.message}\n`);
  } else if (err instanceof ConnectError) {
    printError(err);
  } else {
    process.stderr.write(
      `guardian: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
  }
  process.exit(exitCodeOf(err));
});
