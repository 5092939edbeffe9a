import type { Page } from "playwright-core";

/** Roles that a user operates, so each needs an accessible name. */
const operable = [
  "button",
  "checkbox",
  "combobox",
  "link",
  "radio",
  "searchbox",
  "slider",
  "spinbutton",
  "switch",
  "tab",
  "textbox",
] as const;

/** What {@link accessibilityProblems} found wrong on a screen. */
export interface AccessibilityReport {
  /** Operable elements without an accessible name, as the tree shows them. */
  readonly unnamed: string[];
  /** The number of level-1 headings (a screen has exactly one). */
  readonly h1: number;
  /** The whole tree, for the failure message. */
  readonly tree: string;
}

/**
 * Reads the page's accessibility tree (Chromium's, through Playwright's aria snapshot) and
 * reports the basics a screen must get right: every control has a name, one `<h1>`.
 */
export async function accessibilityReport(page: Page): Promise<AccessibilityReport> {
  const tree = await page.ariaSnapshot();
  const lines = tree.split("\n");
  const control = new RegExp(`^\\s*- (${operable.join("|")})(?=$|[ :\\[])(.*)$`);
  const unnamed = lines.filter((line) => {
    const m = control.exec(line);
    return m !== null && !/^\s*"[^"]+"/.test(m[2] ?? "") && !/^\s*\/.+\//.test(m[2] ?? "");
  });
  const h1 = lines.filter((line) => /^\s*- heading .*\[level=1\]/.test(line)).length;
  return { unnamed: unnamed.map((l) => l.trim()), h1, tree };
}

/**
 * Presses Tab until the focused element is named `name` (its label, `aria-label` or text);
 * false when `max` presses never reach it.
 */
export async function tabTo(page: Page, name: string, max = 40): Promise<boolean> {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press("Tab");
    // Runs in the page (this file is compiled without the DOM's types).
    const names = await page.evaluate<string[]>(`(() => {
      const el = document.activeElement;
      if (el === null || el === document.body) return [];
      const label = el.labels && el.labels[0] ? el.labels[0].textContent : "";
      return [label, el.getAttribute("aria-label") || "", el.textContent || ""].map((s) => s.trim());
    })()`);
    if (names.includes(name)) return true;
  }
  return false;
}
