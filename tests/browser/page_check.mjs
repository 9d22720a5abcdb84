// Opens pages of a running Tavolo in headless Chromium and reports, as JSON on stdout, for
// each page: HTTP status, WCAG 2.1 A/AA violations found by axe-core, console errors
// (Content-Security-Policy refusals show up there) and what the first Tab focuses.
//
//   node tests/browser/page_check.mjs BASE_URL STEP...
// A STEP is a path to check ("/login"), "login:USER:PASSWORD" to log in through the
// form, "lang:en" to switch the interface language with the header's form, or
// "save:PATH:TITLE" to change the title in the edit form at PATH and save it.
import { chromium } from "playwright-core";
import { AxeBuilder } from "@axe-core/playwright";

const [base, ...steps] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
});
const page = await (await browser.newContext()).newPage();
let consoleErrors = [];
page.on("console", (message) => {
  // "Failed to load resource" names no URL; failing sub-resources are recorded below with
  // theirs, and an error page's own status is expected.
  if (message.type() === "error" && !message.text().startsWith("Failed to load resource")) {
    consoleErrors.push(message.text());
  }
});
page.on("pageerror", (error) => consoleErrors.push(String(error)));
page.on("response", (response) => {
  // Name the failing URL (the console message does not) - except the page itself.
  if (response.status() >= 400 && response.request().resourceType() !== "document") {
    consoleErrors.push(`${response.status()} ${response.url()}`);
  }
});

// Click a submit button and wait for the page its POST leads to.
async function submit(page, selector) {
  const posted = page.waitForResponse((r) => r.request().method() === "POST");
  await page.click(selector);
  await posted;
  await page.waitForLoadState("load");
}

const results = [];
try {
  for (const step of steps) {
    if (step.startsWith("login:")) {
      const [, user, password] = step.split(":");
      await page.goto(`${base}/login`);
      await page.fill("#login-name", user);
      await page.fill("#login-password", password);
      await submit(page, "#login-form button[type=submit]");
      continue;
    }
    if (step.startsWith("save:")) {
      // save:PATH:TITLE - open an edit form, change its title, save it.
      const [, path, ...title] = step.split(":");
      await page.goto(`${base}${path}`, { waitUntil: "load" });
      await page.fill("input[name=title]", title.join(":"));
      await submit(page, "button[name=save]");
      continue;
    }
    if (step.startsWith("lang:")) {
      await submit(page, `#language-form button[value=${step.slice(5)}]`);
      continue;
    }
    consoleErrors = [];
    const response = await page.goto(`${base}${step}`, { waitUntil: "load" });
    await page.waitForTimeout(200); // let start-up scripts (fonts loader) run
    // Rich-text fields: wait until TinyMCE has replaced every one of them.
    const richText = await page.locator("textarea[data-tavolo-richtext]").count();
    if (richText) {
      await page.waitForFunction(
        (n) => document.querySelectorAll(".tox-tinymce").length === n, richText, { timeout: 10000 },
      ).catch(() => {});
    }
    const axe = await new AxeBuilder({ page })
      .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"])
      .analyze();
    await page.keyboard.press("Tab");
    const firstFocus = await page.evaluate(() => document.activeElement?.textContent?.trim() ?? "");
    // The focused skip link is shown over the header: put it away before the next click.
    await page.evaluate(() => document.activeElement?.blur());
    results.push({
      path: step,
      status: response.status(),
      lang: await page.evaluate(() => document.documentElement.lang),
      violations: axe.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        targets: v.nodes.slice(0, 3).map((n) => n.target.join(" ")),
        html: v.nodes[0]?.html,
      })),
      consoleErrors: [...consoleErrors],
      firstFocus,
      richText,
      editors: await page.evaluate(() => document.querySelectorAll(".tox-tinymce").length),
    });
  }
} finally {
  await browser.close();
}
console.log(JSON.stringify(results));
