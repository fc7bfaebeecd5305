// Opens GraphiQL at argv[2] in the system chromium (argv[3]) and prints one JSON report:
// requests to any other origin (aborted), whether the explorer lists the schema's fields, and the
// example's result. The Python test (tests/edge/test_graphiql_browser.py) asserts on it.
import { chromium } from "playwright-core";

const [page_url, executablePath, token, launchId] = process.argv.slice(2);
const origin = new URL(page_url).origin;
const report = { foreign: [], explorer: [], result: null, live: null, errors: [] };

const browser = await chromium.launch({ executablePath, args: ["--no-sandbox", "--disable-gpu"] });
try {
  const context = await browser.newContext();
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith("data:") || new URL(url).origin === origin) return route.continue();
    report.foreign.push(url);
    return route.abort();
  });
  context.on("websocket", (ws) => {
    const wsOrigin = new URL(ws.url()).origin.replace(/^ws/, "http");
    if (wsOrigin !== origin) report.foreign.push(ws.url());
  });
  const page = await context.newPage();
  page.on("pageerror", (error) => report.errors.push(String(error)));
  await page.goto(page_url, { waitUntil: "networkidle" });
  const explorer = page.locator(".graphiql-explorer-root");
  await explorer.getByText("launches", { exact: true }).first().waitFor({ timeout: 15000 });
  report.explorer = await explorer.locator(".graphiql-explorer-field-view").allInnerTexts();
  await page.locator(".graphiql-execute-button").click();
  const output = page.locator(".graphiql-response .CodeMirror");
  await output.getByText("missionName").first().waitFor({ timeout: 15000 });
  report.result = await output.innerText();
  // A subscription through GraphiQL's own fetcher, with the token as the Headers tab would give it: the
  // test moves the launch once the server holds the subscription, and this waits for the first message.
  report.live = await page.evaluate(async ({ token, launchId }) => {
    const query = "subscription($id: ID!) { launchStatusChanged(launchId: $id) { toStatus } }";
    const documentAST = GraphiQL.GraphQL.parse(query);  // GraphiQL passes it: it picks the socket for subscriptions
    const headers = { Authorization: `Bearer ${token}` };
    const stream = await fetcher({ query, variables: { id: launchId } }, { headers, documentAST });
    const iterator = stream[Symbol.asyncIterator]();
    const first = await iterator.next();
    await iterator.return();
    return first.value;
  }, { token, launchId });
} catch (error) {
  report.errors.push(String(error));
} finally {
  await browser.close();
}
console.log(JSON.stringify(report));
