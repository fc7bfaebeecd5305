// Opens GraphiQL at argv[2] in the system chromium (argv[3]) and prints one JSON report:
// requests to any other origin (aborted), whether the explorer lists the schema's fields, the
// example's result, the Headers tab's note and a subscription's result. The Python test
// (tests/edge/test_graphiql_browser.py) asserts on it.
import { chromium } from "playwright-core";

const [page_url, executablePath, token, launchId] = process.argv.slice(2);
const origin = new URL(page_url).origin;
const report = { foreign: [], explorer: [], result: null, headers: null, live: null, errors: [] };

const browser = await chromium.launch({ executablePath, args: ["--no-sandbox", "--disable-gpu"] });
try {
  const context = await browser.newContext();
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith("data:") || new URL(url).origin === origin) return route.continue();
    report.foreign.push(url);
    return route.abort();
  });
  const page = await context.newPage();
  page.on("websocket", (ws) => {
    const wsOrigin = new URL(ws.url()).origin.replace(/^ws/, "http");
    if (wsOrigin !== origin) report.foreign.push(ws.url());
  });
  page.on("pageerror", (error) => report.errors.push(String(error)));
  await page.goto(page_url, { waitUntil: "networkidle" });
  const explorer = page.locator(".graphiql-explorer-root");
  await explorer.getByText("launches", { exact: true }).first().waitFor({ timeout: 15000 });
  report.explorer = await explorer.locator(".graphiql-explorer-field-view").allInnerTexts();
  await page.locator(".graphiql-execute-button").click();
  const output = page.locator(".graphiql-response .CodeMirror");
  await output.getByText("missionName").first().waitFor({ timeout: 15000 });
  report.result = await output.innerText();
  // A subscription run as an analyst runs it: typed into the editor, the token added in the Headers tab,
  // Run. The test moves the launch once the server holds the subscription; the response pane shows it.
  const subscription = `subscription { launchStatusChanged(launchId: "${launchId}") { toStatus } }`;
  await page.locator(".graphiql-query-editor .CodeMirror").evaluate((el, text) => el.CodeMirror.setValue(text), subscription);
  await page.locator('button[data-name="headers"]').click();
  const headerEditor = page.locator(".graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror");
  report.headers = await headerEditor.evaluate((el) => el.CodeMirror.getValue()); // the sign-in note
  const headers = JSON.stringify({ Authorization: `Bearer ${token}` });
  await headerEditor.evaluate((el, text) => el.CodeMirror.setValue(text), headers);
  // GraphiQL parses an edited document after a debounce, and until then a Run sends it as the previous
  // document's kind of request (here, a POST instead of the socket): pause as a person does before Run.
  await page.waitForTimeout(1500);
  await page.locator(".graphiql-execute-button").click();
  await output.getByText("toStatus").first().waitFor({ timeout: 30000 });
  report.live = await output.innerText();
} catch (error) {
  report.errors.push(String(error));
} finally {
  await browser.close();
}
console.log(JSON.stringify(report));
