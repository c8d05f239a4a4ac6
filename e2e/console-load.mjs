// Times the release console's page loads in Debian's Chromium for the console benchmark
// (src/test/java/io/countersign/bench/ConsoleLoad.java, README "Performance").
//
//   node console-load.mjs [--chromium /usr/bin/chromium] < plan.json > result.json
//
// The plan comes as one JSON object on stdin: {"baseUrl", "user", "password", "warmup", "loads",
// "pages": [{"name", "path", "expect": "<CSS selector that must exist once loaded>" (optional)}]}.
// One browser, one context: it logs in once on the console's login page (session cookie), then loads each
// page warmup + loads times in the same tab, one navigation after another, and times each load from the
// navigation's start (the document's time origin) to the moment the page sets body[data-loaded=true]
// (recorded by a MutationObserver installed before the page's own scripts run). Warm-up loads are not
// reported. The browser's cache is on, as for a person who comes back to the console.
// Reply on stdout: {"chromium", "pages": [{"name", "path", "millis": [...], "domContentLoaded": [...],
// "lastApiAnswer": [...] (when the last /console/api/ answer of the load had arrived, ms since navigation start),
// "requests": {"<path without query>": count per load}}]} or {"error"}; diagnostics go to stderr.
// Exit 0 on success, 1 on a failed load or login, 2 on bad arguments.
import { chromium } from 'playwright-core';
import { parseArgs } from 'node:util';

const LOAD_TIMEOUT_MS = 60_000;

let options;
try {
  ({ values: options } = parseArgs({
    options: { chromium: { type: 'string', default: '/usr/bin/chromium' } },
  }));
} catch (e) {
  console.error(`usage: node console-load.mjs [--chromium PATH] < plan.json: ${e.message}`);
  process.exit(2);
}

let input = '';
for await (const chunk of process.stdin) {
  input += chunk;
}
let plan;
try {
  plan = JSON.parse(input);
  if (!plan.baseUrl || !plan.user || !Array.isArray(plan.pages)) {
    throw new Error('baseUrl, user and pages are required');
  }
} catch (e) {
  console.error(`not a plan: ${e.message}`);
  process.exit(2);
}
const baseUrl = plan.baseUrl.replace(/\/$/, '');
const warmup = plan.warmup ?? 3;
const loads = plan.loads ?? 30;

const browser = await chromium.launch({
  executablePath: options.chromium,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
});
console.error(`chromium ${browser.version()} started`);

let exitCode = 0;
try {
  const context = await browser.newContext();
  // Before any script of the page: note when body[data-loaded] first becomes 'true', in ms since navigation start.
  await context.addInitScript(() => {
    const observer = new MutationObserver(() => {
      if (document.body && document.body.dataset.loaded === 'true' && window.__loadedAt === undefined) {
        window.__loadedAt = performance.now();
        observer.disconnect();
      }
    });
    observer.observe(document, { subtree: true, attributes: true, attributeFilter: ['data-loaded'] });
  });
  const page = await context.newPage();
  page.setDefaultTimeout(LOAD_TIMEOUT_MS);
  let requests = null;
  page.on('request', (request) => {
    if (requests) {
      const path = new URL(request.url()).pathname;
      requests.set(path, (requests.get(path) || 0) + 1);
    }
  });

  await page.goto(`${baseUrl}/console/login`);
  await page.fill('input[name=username]', plan.user);
  await page.fill('input[name=password]', plan.password);
  await Promise.all([page.waitForURL(`${baseUrl}/console/`), page.click('button[type=submit]')]);
  await page.waitForFunction(() => window.__loadedAt !== undefined);
  console.error(`logged in as ${plan.user}`);

  const results = [];
  for (const target of plan.pages) {
    const millis = [];
    const domContentLoaded = [];
    const lastApiAnswer = [];
    let perLoad = null;
    for (let i = 0; i < warmup + loads; i++) {
      requests = new Map();
      await page.goto(`${baseUrl}${target.path}`, { waitUntil: 'commit' });
      await page.waitForFunction(() => window.__loadedAt !== undefined);
      const seen = await page.evaluate((expect) => {
        const problem = document.getElementById('problem');
        const navigation = performance.getEntriesByType('navigation')[0];
        const api = performance.getEntriesByType('resource').filter((r) => r.name.includes('/console/api/'));
        return {
          loadedAt: window.__loadedAt,
          domContentLoaded: navigation ? navigation.domContentLoadedEventEnd : null,
          lastApiAnswer: api.length ? Math.max(...api.map((r) => r.responseEnd)) : null,
          path: location.pathname,
          problem: problem && !problem.hidden ? problem.textContent : null,
          expected: expect ? document.querySelector(expect) !== null : true,
        };
      }, target.expect || null);
      if (seen.problem || !seen.expected || seen.path === '/console/login') {
        throw new Error(`${target.name} (${target.path}) did not load: ${JSON.stringify(seen)}`);
      }
      if (i >= warmup) {
        millis.push(seen.loadedAt);
        domContentLoaded.push(seen.domContentLoaded);
        lastApiAnswer.push(seen.lastApiAnswer);
        perLoad = perLoad || Object.fromEntries(requests);
      }
    }
    requests = null;
    console.error(`${target.name}: ${loads} loads`);
    results.push({ name: target.name, path: target.path, millis, domContentLoaded, lastApiAnswer, requests: perLoad });
  }
  process.stdout.write(`${JSON.stringify({ chromium: browser.version(), pages: results })}\n`);
} catch (e) {
  console.error(e.stack || String(e));
  process.stdout.write(`${JSON.stringify({ error: e.message })}\n`);
  exitCode = 1;
} finally {
  await browser.close();
}
process.exit(exitCode);
