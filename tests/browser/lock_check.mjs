// Edit locks in headless Chromium (tests/browser/test_locks.py): one user opens an edit
// form, whose script takes the lock; a second user then sees who holds it - on the item
// page (rendered by the server) and in their own edit form (told by the script, with axe
// checking that page); finally the first user leaves by a link and the lock is released.
//
//   node tests/browser/lock_check.mjs BASE_URL PATH HOLDER OTHER PASSWORD
// Prints one JSON object on stdout.
import { chromium } from "playwright-core";
import { AxeBuilder } from "@axe-core/playwright";

const [base, path, holder, other, password] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
});

async function user(login) {
  const page = await (await browser.newContext()).newPage();
  const errors = [];
  page.on("console", (m) => {
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) {
      errors.push(m.text());
    }
  });
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("response", (r) => {
    // A 409 from @@blocca is an answer the script expects, not an error.
    const expected = r.status() === 409 && r.url().endsWith("@@blocca");
    if (r.status() >= 400 && !expected && r.request().resourceType() !== "document") {
      errors.push(`${r.status()} ${r.url()}`);
    }
  });
  await page.goto(`${base}/login`);
  await page.fill("#login-name", login);
  await page.fill("#login-password", password);
  const posted = page.waitForResponse((r) => r.request().method() === "POST");
  await page.click("#login-form button[type=submit]");
  await posted;
  await page.waitForLoadState("load");
  return { page, errors };
}

// Open the edit form and wait for its script's first answer about the lock.
async function openForm(page) {
  const answered = page.waitForResponse((r) => r.url().endsWith(`${path}@@blocca`));
  const response = await page.goto(`${base}${path}@@edit`, { waitUntil: "load" });
  const lock = await answered;
  await page.waitForFunction(() => document.querySelector("#tavolo-edit-lock .alert"));
  return { status: response.status(), lockStatus: lock.status() };
}

const region = (page) =>
  page.evaluate(() => document.getElementById("tavolo-edit-lock")?.innerText?.trim() ?? "");

const result = {};
try {
  const first = await user(holder);
  result.holder = await openForm(first.page);
  result.holder.region = await region(first.page);

  const second = await user(other);
  await second.page.goto(`${base}${path}`, { waitUntil: "load" });
  result.itemPage = { region: await region(second.page) };
  result.other = await openForm(second.page);
  result.other.region = await region(second.page);
  result.other.takeoverLink = await second.page.evaluate(
    () => document.querySelector("#tavolo-edit-lock a")?.getAttribute("href") ?? null,
  );
  const axe = await new AxeBuilder({ page: second.page })
    .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"])
    .analyze();
  result.other.violations = axe.violations.map((v) => ({
    id: v.id,
    help: v.help,
    targets: v.nodes.slice(0, 3).map((n) => n.target.join(" ")),
  }));

  // The holder leaves by a link (not by saving or cancelling): the page releases the lock.
  // (A beacon sent while the page goes away is not reported to the page: give it time.)
  await first.page.goto(`${base}/`, { waitUntil: "load" });
  await first.page.waitForTimeout(1000);
  await second.page.goto(`${base}${path}`, { waitUntil: "load" });
  result.afterLeaving = { region: await region(second.page) };

  result.holder.consoleErrors = first.errors;
  result.other.consoleErrors = second.errors;
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
