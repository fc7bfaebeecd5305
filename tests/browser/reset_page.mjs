// Opens the password page at argv[2] in the system chromium (argv[3]), types the new password (argv[4])
// twice, submits, and prints one JSON report: requests to any other origin (aborted), page errors and
// console errors (a Content-Security-Policy violation shows there), and the status line the page shows.
// The Python test (tests/accounts/test_reset_page_browser.py) asserts on it.
import { chromium } from "playwright-core";

const [page_url, executablePath, password] = process.argv.slice(2);
const origin = new URL(page_url).origin;
const report = { foreign: [], errors: [], console: [], status: null };

const browser = await chromium.launch({ executablePath, args: ["--no-sandbox", "--disable-gpu"] });
try {
  const context = await browser.newContext();
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (new URL(url).origin === origin) return route.continue();
    report.foreign.push(url);
    return route.abort();
  });
  const page = await context.newPage();
  page.on("pageerror", (error) => report.errors.push(String(error)));
  page.on("console", (message) => { if (message.type() === "error") report.console.push(message.text()); });
  await page.goto(page_url, { waitUntil: "networkidle" });
  await page.locator('input[name="password"]').fill(password);
  await page.locator('input[name="repeat"]').fill(password);
  await page.getByRole("button", { name: "Set the password" }).click();
  await page.getByText("Your password is set").waitFor({ timeout: 15000 });
  report.status = await page.locator("#status").innerText();
} catch (error) {
  report.errors.push(String(error));
} finally {
  await browser.close();
}
console.log(JSON.stringify(report));
