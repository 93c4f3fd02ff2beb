// The workspace end to end in headless Chromium (Debian's package, driven
// by playwright-core) against `dic dev` on the emulator: the scenario of
// issue 17, step by step, with a screenshot of every screen in
// e2e/artifacts/. Playwright gives the browser a fresh temporary profile.
// Run by scripts/web-test.sh, which starts the stack and
// sets DIC_WEB_URL.

import { chromium } from 'playwright-core';
import ExcelJS from 'exceljs';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '../..');
const artifacts = join(here, 'artifacts');
const base = process.env.DIC_WEB_URL ?? 'http://127.0.0.1:3000/';
const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';
const run = Math.random().toString(36).slice(2, 8);
const companyA = `acme-${run}`;
const companyB = `globex-${run}`;
const TIMEOUT = 20_000;

rmSync(artifacts, { recursive: true, force: true });
mkdirSync(artifacts, { recursive: true });

const browser = await chromium.launch({
  executablePath,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
  ],
});

let shot = 0;
async function screenshot(page, name) {
  shot += 1;
  const file = join(artifacts, `${String(shot).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** Waits until `check` holds, as the page updates on its own. */
async function until(check, timeoutMs = TIMEOUT) {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`not so after ${timeoutMs} ms: ${check}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const results = [];
async function step(name, work) {
  const started = Date.now();
  try {
    await work();
    results.push({ name, ok: true, ms: Date.now() - started });
    console.log(`ok   ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  } catch (err) {
    results.push({ name, ok: false, ms: Date.now() - started });
    console.log(`FAIL ${name}\n${err?.stack ?? err}`);
    throw err;
  }
}

async function newPage() {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, acceptDownloads: true });
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  page.on('pageerror', (err) => console.log(`page error: ${err.message}`));
  return page;
}

async function signIn(page, company, role = 'Admin', user = `admin@${company}.example`) {
  await page.goto(base);
  await page.getByLabel('Company').fill(company);
  await page.getByLabel('User').fill(user);
  await page.getByRole('textbox', { name: 'Role' }).click();
  await page.getByRole('option', { name: role, exact: true }).click();
  await page.getByRole('button', { name: 'Sign in' }).click();
}

async function pick(page, label, option) {
  await page.getByRole('textbox', { name: label }).click();
  await page.getByRole('option', { name: option, exact: true }).click();
}

async function waitForStatus(page, labels, timeoutMs = 180_000) {
  await page
    .getByTestId('status')
    .first()
    .filter({ hasText: new RegExp(`^(${labels.join('|')})$`) })
    .waitFor({ timeout: timeoutMs });
}

const employeesCsv = readFileSync(join(repo, 'events/employees.csv'), 'utf8');
const importId = () => decodeURIComponent(new URL(pageA.url()).hash.split('/')[2] ?? '');

let pageA;
let firstImport = '';
let failedRows = [];
const started = Date.now();
let exitCode = 0;

try {
  pageA = await newPage();

  await step('sign in (development sign-in) and land on an empty Imports table', async () => {
    await pageA.goto(base);
    await screenshot(pageA, 'sign-in');
    await signIn(pageA, companyA);
    await pageA.getByTestId('signed-in').filter({ hasText: companyA }).waitFor();
    await pageA.getByText('No imports yet.').waitFor();
    await screenshot(pageA, 'imports-empty');
  });

  await step('a 10 MB + 1 byte file is refused before any upload', async () => {
    let creates = 0;
    pageA.on('request', (r) => {
      if (r.method() === 'POST' && new URL(r.url()).pathname === '/imports') creates += 1;
    });
    await pageA.getByRole('link', { name: 'New import' }).first().click();
    await pick(pageA, 'What does the file hold?', 'Employees');
    await pageA.getByTestId('size-note').filter({ hasText: 'under 10 MB' }).waitFor();
    const big = Buffer.alloc(10 * 1024 * 1024 + 1, 'a');
    await pageA.locator('input[type=file]').setInputFiles({ name: 'big.csv', mimeType: 'text/csv', buffer: big });
    await pageA.getByTestId('refused').filter({ hasText: /under 10 MB.*CSV UTF-8/ }).waitFor();
    await pageA.waitForTimeout(300);
    assert.equal(creates, 0, 'no import may be created for a file over 10 MB');
    await screenshot(pageA, 'new-import-too-large');
  });

  await step('upload events/employees.csv with progress, then the Mapping screen', async () => {
    await pageA.locator('input[type=file]').setInputFiles({
      name: 'employees.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(employeesCsv),
    });
    await pageA.waitForURL(/#\/imports\/[^/]+\/map$/);
    firstImport = importId();
    await pageA.getByTestId('mapping-table').waitFor({ timeout: 60_000 });
    assert.ok((await pageA.getByTestId('mapping-row').count()) >= 20, 'one line per header');
  });

  await step('map with search in a dropdown; mapped fields leave the other dropdowns', async () => {
    const surname = pageA.getByRole('textbox', { name: 'Catalog field for Surname', exact: true });
    await surname.click();
    await surname.press('ControlOrMeta+a');
    await surname.press('Backspace');
    await surname.pressSequentially('family');
    await pageA.getByRole('option', { name: /Last Name/ }).waitFor();
    await surname.press('ArrowDown');
    await surname.press('Enter');
    assert.match(await surname.inputValue(), /^Last Name/);
    // Last Name is taken: another header's dropdown does not offer it.
    const middle = pageA.getByRole('textbox', { name: 'Catalog field for Middle Name', exact: true });
    await middle.click();
    await middle.press('ControlOrMeta+a');
    await middle.pressSequentially('last name');
    await pageA.getByText('No field matches').waitFor();
    await middle.press('Escape');
    await pageA.keyboard.press('Escape');
    await pageA.getByTestId('all-mandatory').waitFor();
    await screenshot(pageA, 'mapping');
  });

  await step('save the mapping as a template; a taken name answers 409 as a message', async () => {
    await pageA.getByRole('button', { name: 'Save As…' }).click();
    await pageA.getByLabel('Template name').fill('Employees (HR export)');
    await pageA.getByRole('button', { name: 'Save', exact: true }).click();
    await pageA.getByTestId('note').filter({ hasText: 'Saved template' }).waitFor();
    await pageA.getByRole('button', { name: 'Save As…' }).click();
    await pageA.getByLabel('Template name').fill('Employees (HR export)');
    await pageA.getByRole('button', { name: 'Save', exact: true }).click();
    await pageA.getByRole('dialog').getByRole('alert').filter({ hasText: /already|taken|exists/i }).waitFor();
    await screenshot(pageA, 'template-name-taken');
    await pageA.getByRole('button', { name: 'Cancel' }).click();
  });

  await step('preview: first rows mapped, invalid cells with their message, whole-file summary', async () => {
    await pageA.getByRole('button', { name: 'Preview' }).click();
    await pageA.getByTestId('preview-summary').waitFor({ timeout: 60_000 });
    const invalid = pageA.getByTestId('invalid-cell');
    assert.ok((await invalid.count()) > 0, 'the sample file has invalid cells');
    const cell = invalid.first().locator('span');
    await cell.hover();
    await pageA.getByRole('tooltip').waitFor();
    assert.match(await cell.getAttribute('aria-label'), /: .+/, 'the message is read out on focus too');
    await screenshot(pageA, 'preview');
  });

  await step('start and watch it finish, then the Log Detail page', async () => {
    await pageA.getByRole('button', { name: 'Start import' }).click();
    await pageA.waitForURL(new RegExp(`#/imports/${firstImport}$`));
    await waitForStatus(pageA, ['Finished with Errors', 'Finished']);
    await pageA.getByTestId('rows-table').waitFor();
    const total = Number(await pageA.getByTestId('count-total').innerText());
    const failed = Number(await pageA.getByTestId('count-failed').innerText());
    assert.equal(total, 40);
    assert.ok(failed > 0, 'the sample file has failed rows');
    await screenshot(pageA, 'log-detail');
  });

  await step('filter failed rows', async () => {
    await pageA.getByText(/^Failed \(\d+\)$/).click();
    const failed = Number(await pageA.getByTestId('count-failed').innerText());
    const rows = pageA.getByTestId('log-row');
    await until(async () => (await rows.count()) === failed && (await pageA.locator('[data-outcome=failed]').count()) === failed);
    failedRows = (await rows.locator('td:first-child').allInnerTexts()).map(Number);
    await screenshot(pageA, 'log-detail-failed');
    // The README's picture: the failed rows of the sample file, one screen.
    if (process.env.DOCS_SCREENSHOT) await pageA.screenshot({ path: process.env.DOCS_SCREENSHOT });
  });

  await step('Download Logs (XLS): a valid workbook with the failed rows', async () => {
    const [download] = await Promise.all([
      pageA.waitForEvent('download', { timeout: 30_000 }),
      pageA.getByRole('button', { name: 'Download Logs (XLS)' }).click(),
    ]);
    const file = join(artifacts, 'failed-rows.xlsx');
    await download.saveAs(file);
    const book = new ExcelJS.Workbook();
    await book.xlsx.readFile(file);
    const sheet = book.worksheets[0];
    assert.ok(sheet, 'the workbook has a sheet');
    const text = [];
    sheet.eachRow((row) => text.push(row.values.slice(1).map((v) => String(v ?? '')).join('\t')));
    assert.equal(text.length, failedRows.length + 1, 'a header row and one row per failed row');
    assert.match(text[0], /Email Address/);
    for (const row of failedRows) assert.ok(text.some((line) => line.split('\t').includes(String(row))), `row ${row}`);
  });

  await step('re-upload a corrected file: a new import linked both ways', async () => {
    await pageA.getByRole('button', { name: 'Re-upload corrected file' }).click();
    await pageA.getByTestId('corrects-note').filter({ hasText: 'employees.csv' }).waitFor();
    await until(async () => (await pageA.getByRole('textbox', { name: 'What does the file hold?' }).inputValue()) === 'Employees');
    // The failed rows only, fixed as an admin would from the log: a real
    // date, a whole email, the missing first name and cells, and the
    // duplicate row removed.
    const lines = employeesCsv.trimEnd().split(/\r?\n/);
    const fixed = failedRows
      .map((row) => lines[row - 1])
      .filter((line) => !line.startsWith(' Priya.Raman@'))
      .map((line) =>
        line
          .replace('02/30/2022', '02/28/2022')
          .replace('maria.lopez@example,', 'maria.lopez@example.com,')
          .replace('victor.reyes@example.com,,', 'victor.reyes@example.com,Victor,')
          .replace(/,WA$/, ',WA,98104,US,Employee,English'),
      );
    const corrected = [lines[0], ...fixed].join('\n') + '\n';
    await pageA.locator('input[type=file]').setInputFiles({
      name: 'employees-corrected.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(corrected),
    });
    await pageA.waitForURL(/#\/imports\/[^/]+\/map$/);
    await pageA.getByTestId('note').filter({ hasText: 'fits every header' }).waitFor({ timeout: 60_000 });
    await screenshot(pageA, 'mapping-corrected-template-applied');
    await pageA.getByRole('button', { name: 'Start import' }).click();
    await pageA.getByTestId('corrects-link').waitFor();
    await waitForStatus(pageA, ['Finished with Errors', 'Finished', 'Failed']);
    await screenshot(pageA, 'log-detail-corrected');
    assert.equal(await pageA.getByTestId('status').first().textContent(), 'Finished', 'every corrected row imports');
    assert.equal(Number(await pageA.getByTestId('count-created').innerText()), fixed.length);
    await pageA.getByTestId('corrects-link').getByRole('link').click();
    await pageA.getByTestId('corrected-by-link').filter({ hasText: 'employees-corrected.csv' }).waitFor();
  });

  await step('Imports table: newest first, filter by status', async () => {
    await pageA.getByRole('link', { name: 'Imports' }).first().click();
    await pageA.getByTestId('import-row').nth(1).waitFor();
    assert.match(await pageA.getByTestId('import-row').first().innerText(), /employees-corrected\.csv/);
    await screenshot(pageA, 'imports');
    await pick(pageA, 'Status', 'Failed');
    await pageA.getByText('No imports with status Failed yet.').waitFor();
  });

  await step('Templates: rename; Feeds: create with a copyable prefix, delete', async () => {
    await pageA.getByRole('link', { name: 'Templates' }).click();
    await pageA.getByRole('button', { name: 'Rename Employees (HR export)' }).click();
    await pageA.getByLabel('New name').fill('Employees (HR, v2)');
    await pageA.getByRole('button', { name: 'Rename', exact: true }).click();
    await pageA.getByTestId('template-row').filter({ hasText: 'Employees (HR, v2)' }).waitFor();
    await screenshot(pageA, 'templates');
    await pageA.getByRole('link', { name: 'Feeds' }).click();
    await pageA.getByRole('button', { name: 'New feed' }).click();
    await pick(pageA, 'Entity', 'employees');
    await pick(pageA, 'Template', 'Employees (HR, v2)');
    await pageA.getByRole('button', { name: 'Create' }).click();
    const prefix = await pageA.getByTestId('prefix').first().innerText();
    assert.match(prefix, new RegExp(`^feeds/${companyA}/[0-9a-f]+/$`));
    await pageA.getByRole('button', { name: `Copy prefix ${prefix}` }).waitFor();
    await screenshot(pageA, 'feeds');
    // The template is in use: deleting it answers 409, shown as a message.
    await pageA.getByRole('link', { name: 'Templates' }).click();
    await pageA.getByRole('button', { name: 'Delete Employees (HR, v2)' }).click();
    await pageA.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await pageA.getByRole('dialog').getByRole('alert').filter({ hasText: /feed/ }).waitFor();
    await pageA.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    await pageA.getByRole('link', { name: 'Feeds' }).click();
    await pageA.getByTestId('feed-row').getByRole('button', { name: 'Delete' }).click();
    await pageA.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await pageA.getByText('No feeds yet.').waitFor();
  });

  await step("a second company's admin sees none of it", async () => {
    const pageB = await newPage();
    await signIn(pageB, companyB);
    await pageB.getByText('No imports yet.').waitFor();
    await pageB.goto(`${base}#/imports/${firstImport}`);
    await pageB.getByTestId('error').filter({ hasText: 'Not found' }).waitFor();
    await screenshot(pageB, 'other-company-not-found');
    await pageB.goto(`${base}#/templates`);
    await pageB.getByText('No templates yet.').waitFor();
    await pageB.context().close();
  });

  await step('another role, an expired token and a server that is down are messages', async () => {
    const page = await newPage();
    await signIn(page, companyA, 'Learner');
    await page.getByTestId('error').filter({ hasText: 'Admin or Super Admin' }).waitFor();
    await screenshot(page, 'forbidden-role');
    await page.evaluate(() => {
      const s = JSON.parse(sessionStorage.getItem('dic.session'));
      sessionStorage.setItem('dic.session', JSON.stringify({ ...s, role: 'Admin', token: 'not.a.token' }));
    });
    await page.reload();
    await page.getByText('Session expired').waitFor();
    await screenshot(page, 'session-expired');
    await page.route('**/imports**', (route) => route.abort('internetdisconnected'));
    await page.getByRole('link', { name: 'Imports' }).first().click();
    await page.reload();
    await page.getByTestId('error').filter({ hasText: 'cannot be reached' }).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.getItem('dic.session')), null);
    assert.equal(await page.evaluate(() => localStorage.length), 0, 'nothing in localStorage');
    await page.context().close();
  });
} catch {
  exitCode = 1;
  if (pageA) await screenshot(pageA, 'failure').catch(() => {});
} finally {
  await browser.close();
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const passed = results.filter((r) => r.ok).length;
  console.log(`\n${passed}/${results.length} steps passed in ${seconds} s; screenshots in ${artifacts}`);
  writeFileSync(join(artifacts, 'results.json'), JSON.stringify({ seconds: Number(seconds), results }, null, 2));
}
process.exit(exitCode);
