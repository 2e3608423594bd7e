// Drives the chat page (app.jsx) in headless Chromium with playwright-core and prints one JSON object
// with what it saw. Arguments: the page's URL (without query), the API URL, the screenshot folder, the
// hook ("protocol" or "classic"). Each scenario is what a user does: chat with the agent and see the
// answer stream in; reload the page while an answer streams and see the conversation resume;
// approve a human-in-the-loop interrupt.
import { chromium } from "playwright-core";

const [pageUrl, apiUrl, shots, hook] = process.argv.slice(2);
const TIMEOUT = 30_000;
const observed = { hook, screenshots: [], console: [] };

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium", args: ["--no-sandbox"] });
try {
  const page = await browser.newPage({ viewport: { width: 900, height: 700 } });
  page.on("console", (m) => { if (m.type() === "error") observed.console.push(m.text()); });
  page.on("pageerror", (e) => observed.console.push(String(e)));
  const open = (query) => page.goto(`${pageUrl}?${new URLSearchParams({ hook, api: apiUrl, ...query })}`);
  const shot = async (name) => {
    const path = `${shots}/${hook}-${name}.png`;
    await page.screenshot({ path, fullPage: true });
    observed.screenshots.push(path);
  };
  const messages = () => page.$$eval("li.message", (items) => items.map((li) => ({ type: li.dataset.type, text: li.textContent })));
  const ask = async (text) => {
    await page.fill("#input", text);
    await page.click("#send");
  };
  const aiTexts = () => page.evaluate(() => window.__aiTexts);

  // 1. A message to the bundled agent; the answer streams in word by word.
  await open({ assistant: "agent" });
  await ask("what's the weather in sf");
  await page.waitForFunction(() => window.__aiTexts.includes("The weather in sf: It's 60 degrees and foggy."), null, { timeout: TIMEOUT });
  observed.first = { texts: await aiTexts(), messages: await messages() };
  await shot("answer");

  // 2. Reload while the next answer streams: the conversation is there again and the answer completes.
  await ask("and what's the weather in paris?");
  await page.waitForFunction(() => window.__aiTexts.some((t) => t.startsWith("The weather in paris:") && t !== "The weather in paris: It's 90 degrees and sunny."), null, { timeout: TIMEOUT });
  observed.before_reload = { texts: await aiTexts(), url: page.url() };
  await shot("before-reload");
  await page.reload();
  await page.waitForFunction(() => window.__aiTexts.includes("The weather in paris: It's 90 degrees and sunny."), null, { timeout: TIMEOUT });
  await page.waitForFunction(() => document.querySelector("#status")?.textContent === "idle", null, { timeout: TIMEOUT });
  observed.after_reload = { texts: await aiTexts(), messages: await messages(), url: page.url() };
  await shot("after-reload");

  // 3. Human in the loop: the run stops at its interrupt; Approve resumes it.
  await open({ assistant: "hitl", field: "draft" });
  await ask("tides");
  await page.waitForSelector("#interrupt", { timeout: TIMEOUT });
  observed.interrupt = await page.textContent("#interrupt pre");
  await shot("interrupt");
  await page.click("#approve");
  await page.waitForFunction(() => JSON.parse(document.querySelector("#values").textContent).published === true, null, { timeout: TIMEOUT });
  observed.approved = { values: JSON.parse(await page.textContent("#values")), interrupt_shown: (await page.$("#interrupt")) !== null };
  await shot("approved");
} catch (error) {
  observed.error = String(error?.stack ?? error);
} finally {
  await browser.close();
}
console.log(JSON.stringify(observed));
