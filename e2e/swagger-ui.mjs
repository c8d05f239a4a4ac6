// Opens Countersign's Swagger UI in Debian's Chromium, for the JUnit browser test
// src/test/java/io/countersign/release/SwaggerUiBrowserTest.java.
//
//   node swagger-ui.mjs --base-url http://localhost:PORT --artifacts DIR --user U --password P [--chromium /usr/bin/chromium]
//
// First without credentials (the page must be refused), then with HTTP Basic credentials that the browser
// gives when the server asks (as a person answers the browser's login prompt): waits for the document to
// render, counts the operations, runs "Try it out" on GET /api/evidence/public-key, and answers one JSON
// line on stdout: {"ok": true, "anonymousStatus" ("login asked" or the status of a page
// shown without login), "status", "title", "operations", "failed", "tryItOut",
// "screenshot"} or {"ok": false, "error", "screenshot"}. Exit code 0 when it answered, 1 if the browser
// could not start, 2 on bad arguments.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const TIMEOUT_MS = 45_000;

let options;
try {
  ({ values: options } = parseArgs({
    options: {
      'base-url': { type: 'string' },
      artifacts: { type: 'string' },
      user: { type: 'string' },
      password: { type: 'string' },
      chromium: { type: 'string', default: '/usr/bin/chromium' },
    },
  }));
  for (const required of ['base-url', 'artifacts', 'user', 'password']) {
    if (!options[required]) {
      throw new Error(`--${required} is required`);
    }
  }
} catch (e) {
  console.error(`usage: node swagger-ui.mjs --base-url URL --artifacts DIR --user U --password P: ${e.message}`);
  process.exit(2);
}
const baseUrl = options['base-url'].replace(/\/$/, '');
const ui = `${baseUrl}/api/docs/swagger-ui.html`;
mkdirSync(options.artifacts, { recursive: true });
const screenshot = join(options.artifacts, 'swagger-ui.png');

let browser;
try {
  browser = await chromium.launch({
    executablePath: options.chromium,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
} catch (e) {
  console.error(`chromium did not start from ${options.chromium}: ${e.message}`);
  process.exit(1);
}

let page;
try {
  // Without credentials: headless Chromium cannot show the login prompt the 401 asks for, so the
  // navigation fails with ERR_INVALID_AUTH_CREDENTIALS; any page it did get is reported by its status.
  const anonymous = await browser.newContext();
  let anonymousStatus;
  try {
    anonymousStatus = String((await (await anonymous.newPage()).goto(ui)).status());
  } catch (e) {
    if (!String(e.message).includes('ERR_INVALID_AUTH_CREDENTIALS')) {
      throw e;
    }
    anonymousStatus = 'login asked';
  }
  await anonymous.close();

  const context = await browser.newContext({
    viewport: { width: 1200, height: 1000 },
    httpCredentials: { username: options.user, password: options.password },
  });
  context.setDefaultTimeout(TIMEOUT_MS);
  page = await context.newPage();
  const failed = [];
  page.on('response', (r) => {
    if (r.status() >= 400) {
      failed.push(`${r.status()} ${r.url()}`);
    }
  });
  const response = await page.goto(ui);
  await page.locator('.opblock').first().waitFor();
  const title = (await page.locator('.info .title').first().textContent()).trim();
  const operations = await page.locator('.opblock').count();

  const operation = page.locator('#operations-Evidence-getEvidencePublicKey');
  await operation.locator('.opblock-summary').click();
  await operation.locator('.try-out__btn').click();
  await operation.locator('.execute').click();
  const status = operation.locator('.live-responses-table .response .response-col_status').first();
  await status.waitFor();
  const tryItOut = (await status.textContent()).trim();
  await page.screenshot({ path: screenshot, fullPage: false });
  process.stdout.write(`${JSON.stringify({
    ok: true,
    anonymousStatus,
    status: response.status(),
    title,
    operations,
    failed,
    tryItOut,
    screenshot,
  })}\n`);
} catch (e) {
  console.error(e.stack ?? String(e));
  await page?.screenshot({ path: screenshot }).catch(() => {});
  process.stdout.write(`${JSON.stringify({ ok: false, error: String(e.message ?? e), screenshot })}\n`);
} finally {
  await browser.close();
}
