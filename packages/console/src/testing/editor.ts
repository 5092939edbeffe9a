import type { Page } from "playwright-core";
import { expect } from "vitest";

/** The config editor's text box (CodeMirror's content element, labelled "Content (JSON)"). */
export const editor = (page: Page) => page.getByRole("textbox", { name: "Content (JSON)" });

/** The editor's text as the user sees it. */
export const editorText = (page: Page) => editor(page).innerText();

/**
 * Replaces the editor's whole text, as a user selecting all and pasting would (typing key by
 * key would meet the editor's closing of brackets and quotes).
 */
export async function typeDocument(page: Page, text: string): Promise<void> {
  await editor(page).click();
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.press("Delete");
  await page.keyboard.insertText(text);
  await expect.poll(() => editorText(page)).toBe(text);
}
