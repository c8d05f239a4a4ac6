// Drives Camunda Tasklist in Debian's Chromium for the JUnit browser tests (src/test/java/io/countersign/browser).
//
//   node tasklist.mjs --base-url http://localhost:PORT --artifacts DIR [--chromium /usr/bin/chromium]
//
// One browser for the whole run (Playwright starts it on a fresh, temporary user-data dir and removes it at
// the end); every command runs in its own browser context (cookies, localStorage), so each one is a new
// person at the login form. Commands come one JSON object per line on stdin; each gets one JSON reply line on
// stdout; diagnostics go to stderr. The process exits 0 once stdin closes and the browser has shut down, 1 if
// the browser could not start, 2 on bad arguments.
//
// Commands:
//   {"action": "open", "name": "...", "user": "...", "password": "...", "filter": "<filter name>",
//    "release": "<business key>"}
//      log in, choose the filter, search the release by business key, open its one task and read the form.
//   {"action": "signOff", ... as "open", "choice": "Approve", "comment": "...", "expectBlocked": false}
//      the same, then Claim; when the claim is accepted choose the option, write the comment (in "Comment", or in
//      "Reason for rejecting" when the choice is Reject) and Complete. With "expectBlocked" the form is expected to
//      refuse the completion itself: the reply comes once it shows its field errors, with "blocked" and "errors".
//   {"action": "consoleWatch", "name", "user", "password", "release", "until": "<status>", "timeoutMs"}
//      log in to the release console, open the release from the list and watch the page (without reloading
//      it) until it shows that status; reply {"statuses": [each status shown, in order], "navigations",
//      "steps": {id: state}, "marked": {element: state} of the drawn model, "evidence", "diff", "digest"}.
//   {"action": "consoleSignOff", ... as "signOff", "role": "<group>"}
//      log in to the console, open the release from the list, follow its pending role's "Sign in Tasklist"
//      link, log in to Tasklist there and Claim / choose / Complete the task the link opened; the reply adds
//      "clicks" (every click the person made, logins included) and "typed" (fields typed) to signOff's.
//   {"action": "consoleAction", "name", "user", "password", "release", "request": "cancel|rollback|override",
//    "fields": {"reason": ..., "kind": ..., "incidentReference": ...}}
//      log in to the console, open the release page, press the request's button, fill the dialog and confirm;
//      reply {"offered": [the buttons shown], "refusal": sentence or null, "note": sentence or null}.
// Replies: {"name", "ok": true, "taskId", "form": {label: value}, "texts": [each text view's text], "links":
//   [{text, href, target, rel} of every link in the form], "formDisabledBeforeClaim",
//   "claim": {status, body} or null, "submit": {status, request, body} or null, "formDisabled" and "completeEnabled"
//   at the end (null once the task is completed), "notifications": [...], "requests": [every non-GET call to
//   /camunda/api/ with its body and answer], "screenshot", "millis"} or {"name", "ok": false, "error", "screenshot",
//   "requests"}.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

const ACTION_TIMEOUT_MS = 45_000;
const ACTIONS = { open: signOff, signOff, consoleWatch, consoleSignOff, consoleAction };

let options;
try {
  ({ values: options } = parseArgs({
    options: {
      'base-url': { type: 'string' },
      artifacts: { type: 'string' },
      chromium: { type: 'string', default: '/usr/bin/chromium' },
    },
  }));
  if (!options['base-url'] || !options.artifacts) {
    throw new Error('--base-url and --artifacts are required');
  }
} catch (e) {
  console.error(`usage: node tasklist.mjs --base-url URL --artifacts DIR [--chromium PATH]: ${e.message}`);
  process.exit(2);
}
const baseUrl = options['base-url'].replace(/\/$/, '');
mkdirSync(options.artifacts, { recursive: true });

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
console.error(`chromium ${browser.version()} started`);

const reply = (message) => process.stdout.write(`${JSON.stringify(message)}\n`);

for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
  if (!line.trim()) {
    continue;
  }
  let command;
  try {
    command = JSON.parse(line);
  } catch (e) {
    reply({ ok: false, error: `not a JSON command: ${e.message}` });
    continue;
  }
  reply(await run(command));
}
await browser.close();
console.error('chromium closed');

/** Runs one command in a fresh browser context; never throws. The last screen is kept as NAME.png. */
async function run(command) {
  const name = String(command.name ?? command.action ?? 'command').replace(/[^A-Za-z0-9._-]/g, '_');
  const screenshot = join(options.artifacts, `${name}.png`);
  const started = Date.now();
  let context;
  let page;
  let requests = [];
  try {
    context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    context.setDefaultTimeout(ACTION_TIMEOUT_MS);
    page = await context.newPage();
    requests = recordEngineCalls(page);
    const action = ACTIONS[command.action];
    if (!action) {
      throw new Error(`unknown action ${JSON.stringify(command.action)}`);
    }
    const result = await action(page, command);
    await (result.page ?? page).screenshot({ path: screenshot });
    delete result.page;
    return { name, ok: true, ...result, requests: await settled(requests), screenshot, millis: Date.now() - started };
  } catch (e) {
    console.error(`${name}: ${e.stack ?? e}`);
    await page?.screenshot({ path: screenshot }).catch(() => {});
    return { name, ok: false, error: String(e.message ?? e), screenshot, requests: await settled(requests) };
  } finally {
    await context?.close().catch(() => {});
  }
}

/** Every non-GET call the page makes to the engine's API, with its body and the answer. */
function recordEngineCalls(page) {
  const calls = [];
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (request.method() === 'GET' || request.method() === 'OPTIONS' || !url.pathname.startsWith('/camunda/api/')) {
      return;
    }
    calls.push(request.response().then(async (response) => ({
      method: request.method(),
      path: url.pathname,
      request: request.postData(),
      status: response?.status() ?? null,
      body: response ? await response.text().catch(() => null) : null,
    }), (e) => ({ method: request.method(), path: url.pathname, request: request.postData(), error: e.message })));
  });
  return calls;
}

async function settled(calls) {
  return (await Promise.allSettled(calls))
    .map((c) => (c.status === 'fulfilled' ? c.value : { error: String(c.reason) }))
    .map((c) => (c.path?.includes('/login/') ? { ...c, request: '(credentials)' } : c));
}

async function signOff(page, command) {
  await logIn(page, command.user, command.password);
  await page.locator('.task-filter', { hasText: command.filter }).click();
  await searchByBusinessKey(page, command.release);

  const tasks = page.locator('.tasks-list li.task');
  try {
    await page.waitForFunction(() => document.querySelectorAll('.tasks-list li.task').length === 1, null,
      { timeout: ACTION_TIMEOUT_MS });
  } catch (e) {
    throw new Error(`filter '${command.filter}' shows ${await tasks.count()} tasks for release ${command.release}, `
      + 'expected 1');
  }
  await tasks.first().click();
  const { form, texts, links } = await readForm(page);
  const taskId = new URL(page.url().replace('#/', '')).searchParams.get('task');
  const { formDisabled, state } = taskControls(page);
  const opened = { taskId, form, texts, links, formDisabledBeforeClaim: await formDisabled.count() > 0 };
  if (command.action === 'open') {
    return { ...opened, claim: null, submit: null, ...await state(), notifications: [] };
  }
  return claimAndDecide(page, command, opened, (locator) => locator.click());
}

/** Claims the open task and, when the claim is accepted, chooses, comments and completes; click counts. */
async function claimAndDecide(page, command, opened, click) {
  const { formDisabled, complete, state } = taskControls(page);
  const claimed = page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/claim'));
  await click(page.getByRole('button', { name: 'Claim', exact: true }));
  const claimResponse = await claimed;
  const claim = { status: claimResponse.status(), body: await claimResponse.text() };
  if (claim.status >= 300) {
    const shown = await notifications(page);
    return { ...opened, claim, submit: null, ...await state(), notifications: shown };
  }

  await formDisabled.waitFor({ state: 'detached' });
  await click(page.getByLabel(command.choice, { exact: true }));
  if (command.comment) {
    const label = command.choice === 'Reject' ? 'Reason for rejecting' : 'Comment';
    await click(page.getByLabel(label, { exact: false }));
    await page.getByLabel(label, { exact: false }).fill(command.comment);
  }
  if (command.expectBlocked) {
    // form-js validates before Tasklist sends anything: Complete shows the errors and sends nothing.
    if (await complete.isEnabled()) {
      await click(complete);
    }
    const errors = page.locator('.fjs-container .fjs-form-field-error');
    await errors.first().waitFor();
    return { ...opened, claim, submit: null, ...await state(), blocked: true,
      errors: await errors.allInnerTexts(), notifications: await notifications(page, false) };
  }
  const submitted = page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/submit-form'));
  await click(complete);
  const submitResponse = await submitted;
  const submit = {
    status: submitResponse.status(),
    request: JSON.parse(submitResponse.request().postData() ?? 'null'),
    body: await submitResponse.text(),
  };
  if (submit.status >= 300) {
    const shown = await notifications(page);
    return { ...opened, claim, submit, ...await state(), notifications: shown };
  }
  // A completed task leaves the list and the detail view.
  await page.getByText('Select a task in the list.').waitFor();
  return { ...opened, claim, submit, formDisabled: null, completeEnabled: null,
    notifications: await notifications(page, false) };
}

/** Tasklist shows the form read-only, with Complete disabled, until the task is the user's. */
function taskControls(page) {
  const formDisabled = page.locator('.disabled-form');
  const complete = page.getByRole('button', { name: 'Complete', exact: true });
  const state = async () => ({
    formDisabled: await formDisabled.count() > 0,
    completeEnabled: await complete.isEnabled(),
  });
  return { formDisabled, complete, state };
}

async function logIn(page, user, password) {
  await page.goto(`${baseUrl}/camunda/app/tasklist/`);
  await fillTasklistLogin(page, user, password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.locator('.task-filter').first().waitFor();
}

/** Tasklist's login form, filled (not submitted). */
async function fillTasklistLogin(page, user, password) {
  const name = page.getByPlaceholder('Username');
  const secret = page.getByPlaceholder('Password');
  // Tasklist moves the focus to the user name once its scripts have started, which on a busy machine can be
  // in the middle of the fills (a CI run logged in as "qa-leaddemo"): fill until both fields hold their value.
  for (let attempt = 1; ; attempt++) {
    await name.fill(user);
    await secret.fill(password);
    if (await name.inputValue() === user && await secret.inputValue() === password) {
      break;
    }
    if (attempt === 3) {
      throw new Error(`the login form did not keep the credentials of ${user}`);
    }
  }
}

/** Tasklist's own search: the "Process Instance Business Key" criterion, as an approver looks a release up. */
async function searchByBusinessKey(page, businessKey) {
  const search = page.getByPlaceholder('Filter Tasks');
  await search.click();
  await search.fill('Business Key');
  await page.getByRole('option', { name: 'Process Instance Business Key', exact: true }).click();
  const listed = page.waitForResponse((r) => r.url().includes('/filter/') && r.url().includes('/list')
    && (r.request().postData() ?? '').includes(businessKey));
  const value = page.locator('[cam-widget-search-pill] input').last();
  await value.fill(businessKey);
  await value.press('Enter');
  await listed;
  await page.locator('[cam-widget-search-pill]', { hasText: businessKey }).waitFor();
}

/** The Camunda Form as the approver sees it: each field's label and shown value. */
async function readForm(page) {
  await page.locator('.fjs-container .fjs-form-field input, .fjs-container .fjs-form-field textarea').first().waitFor();
  return page.locator('.fjs-container').evaluate((root) => {
    const values = {};
    for (const field of root.querySelectorAll('.fjs-form-field')) {
      const label = field.querySelector('.fjs-form-field-label');
      const control = field.querySelector('input:not([type=radio]):not([type=checkbox]), textarea, select');
      if (label && control) {
        values[label.textContent.replace(/\*$/, '').trim()] = control.value;
      }
    }
    const texts = [...root.querySelectorAll('.fjs-form-field-text')].map((t) => t.innerText.trim());
    const links = [...root.querySelectorAll('a')].map((a) => ({
      text: a.textContent, href: a.getAttribute('href'), target: a.getAttribute('target'), rel: a.getAttribute('rel'),
    }));
    return { form: values, texts, links };
  });
}

/** The notifications Tasklist shows; waits for the first one unless told not to. */
async function notifications(page, wait = true) {
  const alerts = page.locator('.page-notifications .alert');
  if (wait) {
    await alerts.first().waitFor();
  }
  return (await alerts.allInnerTexts()).map((text) => text.replace(/^×\s*/, '').replace(/\s+/g, ' ').trim());
}

/** The release console's login page, then the release picked from the list (newest first) as a person does. */
async function openInConsole(page, command, click) {
  await page.goto(`${baseUrl}/console/`);
  await page.getByLabel('User').fill(command.user);
  await page.getByLabel('Password').fill(command.password);
  await click(page.getByRole('button', { name: 'Log in' }));
  await page.locator('body[data-loaded=true]').waitFor();
  await click(page.getByRole('link', { name: command.release, exact: true }));
  await page.waitForURL(`**/console/releases/${command.release}`);
  await page.locator('body[data-loaded=true]').waitFor();
}

async function consoleWatch(page, command) {
  const navigations = [];
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) {
      navigations.push(new URL(frame.url()).pathname);
    }
  });
  await openInConsole(page, command, (locator) => locator.click());
  const deadline = Date.now() + (command.timeoutMs ?? ACTION_TIMEOUT_MS);
  const statuses = [];
  const navigationsOnPage = navigations.length;
  for (;;) {
    const status = await page.evaluate(() => document.body.dataset.status);
    if (statuses[statuses.length - 1] !== status) {
      statuses.push(status);
    }
    if (status === command.until) {
      break;
    }
    const left = deadline - Date.now();
    if (left <= 0) {
      throw new Error(`the console showed ${statuses.join(' → ')}, never ${command.until}`);
    }
    await page.waitForFunction((shown) => document.body.dataset.status !== shown, status, { timeout: left })
      .catch(() => {});
  }
  // The last refresh draws the model and reads the evidence after the status: wait for the model to be marked
  // for the status shown.
  await page.waitForFunction(() => document.querySelector('#canvas')?.dataset.marked);
  return {
    statuses,
    navigations: navigations.length - navigationsOnPage,
    steps: Object.fromEntries(await page.locator('#steps tr[data-step]').evaluateAll(
      (rows) => rows.map((r) => [r.dataset.step, r.dataset.state]))),
    marked: JSON.parse(await page.locator('#canvas').getAttribute('data-marked')),
    model: await page.locator('#canvas').getAttribute('data-model'),
    evidence: await page.locator('#evidence-status').innerText(),
    diff: await page.locator('#diff').innerText(),
    digest: await page.locator('#digest').innerText(),
    signOffs: await page.locator('#sign-offs tbody tr').allInnerTexts(),
  };
}

async function consoleSignOff(page, command) {
  let clicks = 0;
  const click = async (locator) => {
    clicks += 1;
    await locator.click();
  };
  await openInConsole(page, command, click);
  const opened = page.context().waitForEvent('page');
  await click(page.locator(`#sign-offs tr[data-role="${command.role}"] a.sign`));
  const tasklist = await opened;
  await tasklist.waitForLoadState();
  await fillTasklistLogin(tasklist, command.user, command.password);
  await click(tasklist.getByRole('button', { name: 'Log in' }));
  const { form, texts, links } = await readForm(tasklist);
  const taskId = new URL(tasklist.url().replace('#/', '')).searchParams.get('task');
  const opening = { taskId, form, texts, links, formDisabledBeforeClaim: await tasklist.locator('.disabled-form').count() > 0 };
  const result = await claimAndDecide(tasklist, command, opening, click);
  // Two fields per login (user, password) are typed, not clicked; the comment's typing is its own.
  return { ...result, clicks, typed: 4 + (command.comment ? 1 : 0), page: tasklist };
}

async function consoleAction(page, command) {
  await page.goto(`${baseUrl}/console/releases/${command.release}`);
  await page.getByLabel('User').fill(command.user);
  await page.getByLabel('Password').fill(command.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.locator('body[data-loaded=true]').waitFor();
  const offered = await page.locator('#actions button[data-action]').evaluateAll(
    (buttons) => buttons.map((b) => b.dataset.action));
  if (!offered.includes(command.request)) {
    return { offered, refusal: null, note: null };
  }
  await page.locator(`#actions button[data-action="${command.request}"]`).click();
  const dialog = page.locator('#confirm');
  for (const [name, value] of Object.entries(command.fields ?? {})) {
    const field = dialog.locator(`[name="${name}"]`);
    if (await field.evaluate((f) => f.tagName === 'SELECT')) {
      await field.selectOption(value);
    } else {
      await field.fill(value);
    }
  }
  await page.locator('#confirm-ok').click();
  const refusal = page.locator('#confirm-problem:not([hidden])');
  const note = page.locator('#notice:not([hidden])');
  await refusal.or(note).first().waitFor();
  return {
    offered,
    refusal: await refusal.count() ? await refusal.innerText() : null,
    note: await note.count() ? await note.innerText() : null,
  };
}
