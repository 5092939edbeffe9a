import { mkdirSync } from "node:fs";
import { join } from "node:path";
import {
  bootstrapPassword,
  ensureSystemPackages,
  makeTempDir,
  removeTempDir,
  startDev,
  stopGuardian,
  type RunningGuardian,
} from "@guardian/testkit";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { consoleRoot } from "../build.js";

/** Where the browser tests write their screenshots (named in the README). */
export const screenshotDir = join(consoleRoot, "..", "..", "test-results", "console");

/** A `guardian dev` process and a headless Chromium to drive its console. */
export interface ConsoleTestbed {
  readonly server: RunningGuardian;
  readonly browser: Browser;
  /** The bootstrap admin's password. */
  readonly adminPassword: string;
  /**
   * A new browser context (its own storage: another user or another tab) with a page on the
   * console. Problems the page reports (CSP violations, uncaught errors, console errors) are
   * collected in `problems`.
   */
  open(): Promise<{ context: BrowserContext; page: Page; problems: string[] }>;
  /** Opens a context and signs in as `username` (the admin by default). */
  signedIn(
    username?: string,
    password?: string,
  ): Promise<{ context: BrowserContext; page: Page; problems: string[] }>;
  /** Saves a full-page screenshot under {@link screenshotDir}. */
  screenshot(page: Page, name: string): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts a real `guardian dev` on a fresh data directory (it builds the console when its
 * sources changed) and launches the system Chromium, headless (installed by the test setup).
 * `env` adds settings of the server (for example an external issuer to trust).
 */
export async function startConsoleTestbed(
  opts: { env?: Record<string, string> } = {},
): Promise<ConsoleTestbed> {
  const { chromium: executablePath } = await ensureSystemPackages();
  const dataDir = await makeTempDir("guardian-console-");
  const server = await startDev(dataDir, opts.env);
  const adminPassword = bootstrapPassword(server.output());
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    args: ["--no-sandbox", "--disable-dev-shm-usage"],
  });
  const open = async () => {
    const context = await browser.newContext({
      baseURL: server.url,
      viewport: { width: 1280, height: 900 },
    });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on("console", (msg) => {
      if (msg.type() === "error") problems.push(msg.text());
    });
    page.on("pageerror", (err) => problems.push(String(err)));
    await page.goto("/");
    return { context, page, problems };
  };
  return {
    server,
    browser,
    adminPassword,
    open,
    async signedIn(username = "admin", password = adminPassword) {
      const opened = await open();
      await opened.page.getByLabel("Username").fill(username);
      await opened.page.getByLabel("Password").fill(password);
      await opened.page.getByRole("button", { name: "Sign in" }).click();
      await opened.page.getByRole("button", { name: "Sign out" }).waitFor();
      return opened;
    },
    async screenshot(page, name) {
      mkdirSync(screenshotDir, { recursive: true });
      await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true });
    },
    async stop() {
      await browser.close().catch(() => {});
      await stopGuardian(server);
      await removeTempDir(dataDir);
    },
  };
}
