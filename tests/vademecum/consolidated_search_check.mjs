// Types WORDS into the Vademecum's search-within box at URL and reports, as JSON: the
// titles of the entries still shown, the index lines still shown, the highlighted texts,
// the live status, how many entries show once the box is emptied, and console errors.
//
//   node tests/vademecum/consolidated_search_check.mjs URL WORDS
import { chromium } from "playwright-core";

const [url, words] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
});
const errors = [];
try {
  const page = await (await browser.newContext()).newPage();
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(url, { waitUntil: "load" });
  await page.fill("#tavolo-vm-q", words);
  await page.waitForTimeout(600);
  const result = await page.evaluate(() => {
    const shown = (el) => !el.closest("[hidden]");
    return {
      visible: [...document.querySelectorAll("[data-vm-entry]")].filter(shown)
        .map((a) => a.querySelector("h2, h3").textContent.trim()),
      tocVisible: [...document.querySelectorAll("[data-vm-toc]")].filter(shown)
        .map((li) => li.textContent.trim()),
      marks: [...document.querySelectorAll("mark.tavolo-vm-hit")].map((m) => m.textContent),
      status: document.getElementById("tavolo-vm-status").textContent.trim(),
    };
  });
  await page.fill("#tavolo-vm-q", "");
  await page.waitForTimeout(600);
  result.afterClear = await page.evaluate(
    () => [...document.querySelectorAll("[data-vm-entry]")].filter((a) => !a.hidden).length,
  );
  result.errors = errors;
  console.log(JSON.stringify(result));
} finally {
  await browser.close();
}
