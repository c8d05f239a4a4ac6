// Opens Countersign's printable compliance report in Debian's Chromium and prints it to PDF, for the JUnit
// browser test src/test/java/io/countersign/compliance/ComplianceReportBrowserTest.java.
//
//   node report.mjs --base-url http://localhost:PORT --artifacts DIR --user U --password P --path /compliance/report?...
//        [--chromium /usr/bin/chromium]
//
// Logs in through Tasklist's login form (the page takes the webapps' login), opens the path, reads what the
// page shows, prints it as the browser would (A4, the page's print stylesheet) to DIR/compliance-report.pdf
// and answers one JSON line on stdout: {"ok": true, "status", "title", "svgs", "tables", "headings",
// "scripts", "pdf": path, "pdfBytes", "pdfStart", "screenshot"} or {"ok": false, "error", "screenshot"}.
// Exit code 0 when it answered, 1 if the browser could not start, 2 on bad arguments.
import { chromium } from 'playwright-core';
import { mkdirSync, readFileSync } from 'node:fs';
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
      path: { type: 'string' },
      chromium: { type: 'string', default: '/usr/bin/chromium' },
    },
  }));
  for (const required of ['base-url', 'artifacts', 'user', 'password', 'path']) {
    if (!options[required]) {
      throw new Error(`--${required} is required`);
    }
  }
} catch (e) {
  console.error(`usage: node report.mjs --base-url URL --artifacts DIR --user U --password P --path PATH: ${e.message}`);
  process.exit(2);
}
const baseUrl = options['base-url'].replace(/\/$/, '');
mkdirSync(options.artifacts, { recursive: true });
const screenshot = join(options.artifacts, 'compliance-report.png');
const pdf = join(options.artifacts, 'compliance-report.pdf');

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
  const context = await browser.newContext({ viewport: { width: 1200, height: 1000 } });
  context.setDefaultTimeout(TIMEOUT_MS);
  page = await context.newPage();
  await page.goto(`${baseUrl}/camunda/app/tasklist/`);
  const name = page.getByPlaceholder('Username');
  const secret = page.getByPlaceholder('Password');
  // Tasklist may move the focus to the user name while the fields are being filled: fill until both hold.
  for (let attempt = 1; ; attempt++) {
    await name.fill(options.user);
    await secret.fill(options.password);
    if (await name.inputValue() === options.user && await secret.inputValue() === options.password) {
      break;
    }
    if (attempt === 3) {
      throw new Error(`the login form did not keep the credentials of ${options.user}`);
    }
  }
  const loggedIn = page.waitForResponse((r) => r.request().method() === 'POST' && r.url().includes('/login/'));
  await page.getByRole('button', { name: 'Log in' }).click();
  const login = await loggedIn;
  if (login.status() !== 200) {
    throw new Error(`login as ${options.user} answered ${login.status()}`);
  }

  // A page of its own in the same session (Tasklist's calls stay on the first): anything the report would
  // fetch besides itself shows up here (it must fetch nothing).
  page = await context.newPage();
  const fetched = [];
  page.on('request', (request) => fetched.push(request.url()));
  const response = await page.goto(`${baseUrl}${options.path}`);
  const shown = await page.evaluate(() => ({
    title: document.title,
    svgs: document.querySelectorAll('svg').length,
    bars: document.querySelectorAll('svg rect').length,
    tables: document.querySelectorAll('table').length,
    headings: [...document.querySelectorAll('h1, h2')].map((h) => h.textContent.trim()),
    scripts: document.querySelectorAll('script').length,
  }));
  await page.screenshot({ path: screenshot, fullPage: true });
  await page.pdf({ path: pdf, format: 'A4', printBackground: true });
  const bytes = readFileSync(pdf);
  process.stdout.write(`${JSON.stringify({
    ok: true,
    status: response.status(),
    ...shown,
    requests: fetched,
    pdf,
    pdfBytes: bytes.length,
    pdfStart: bytes.subarray(0, 5).toString('latin1'),
    screenshot,
  })}\n`);
} catch (e) {
  console.error(e.stack ?? String(e));
  await page?.screenshot({ path: screenshot }).catch(() => {});
  process.stdout.write(`${JSON.stringify({ ok: false, error: String(e.message ?? e), screenshot })}\n`);
} finally {
  await browser.close();
}
