// The portal's pages in headless Chromium: the scenarios of issue #10, a
// screenshot of every page, and axe-core on each (no serious or critical
// violation of WCAG 2.1 A/AA). Run by the e2e test `browser`, which starts
// the portal, prepares the data and passes them here:
//   PORTAL_URL, SCREENSHOT_DIR, PROVIDER_LOGIN, PROVIDER_PASSWORD,
//   SERVICE_WORDS, SERVICE_NAME, KRAJ (NUTS), KRAJ_NAME, SURVEY_ID,
//   CHROMIUM (default /usr/bin/chromium).
// Exits 1 with the failed step on the first failure.

import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { mkdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const need = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};
const base = need('PORTAL_URL');
const shots = need('SCREENSHOT_DIR');
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
if (!existsSync(executablePath)) {
  throw new Error(`no Chromium at ${executablePath}: install Debian's chromium (scripts/test does) or set CHROMIUM`);
}
mkdirSync(shots, { recursive: true });
const axePath = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

const browser = await chromium.launch({
  executablePath,
  headless: true,
  // The machine has no outside network: nothing of Chromium's own may try it.
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const outside = [];
let shot = 0;
const audited = [];

async function newPage(width = 1280) {
  // bypassCSP: the pages allow no inline script, and axe-core is injected as one.
  const context = await browser.newContext({ viewport: { width, height: 900 }, locale: 'cs-CZ', bypassCSP: true });
  const page = await context.newPage();
  page.on('request', (r) => {
    const url = new URL(r.url());
    if (url.origin !== new URL(base).origin && url.protocol !== 'data:') outside.push(r.url());
  });
  return page;
}

async function screenshot(page, name) {
  shot += 1;
  const file = join(shots, `${String(shot).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

// axe-core in the page: serious and critical violations of WCAG 2.1 A/AA fail.
async function audit(page, name) {
  await page.addScriptTag({ path: axePath });
  const result = await page.evaluate(async () => window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
  }));
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  audited.push({ page: name, url: page.url(), violations: result.violations.length, serious: bad.length });
  assert.deepEqual(
    bad.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`),
    [],
    `accessibility of ${name} (${page.url()})`,
  );
}

// A phone's screen: nothing on a page may be wider (a table scrolls in its own box).
const PHONE = { width: 390, height: 844 };

// What sticks out to the right of a phone's screen, outside the boxes that scroll.
async function sideways(page) {
  return page.evaluate(() => ({
    width: document.documentElement.scrollWidth,
    culprits: [...document.querySelectorAll('body *')]
      .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest('.scroll'))
      .slice(0, 5)
      .map((e) => `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ''}${typeof e.className === 'string' && e.className ? `.${e.className}` : ''}`),
  }));
}

// A page as it is, on a desktop's screen and on a phone's: a screenshot of
// each, axe-core on both, and no sideways scrolling on the phone.
async function visit(page, name) {
  const size = page.viewportSize();
  for (const [screen, viewport] of [['desktop', { width: 1280, height: 900 }], ['phone', PHONE]]) {
    await page.setViewportSize(viewport);
    await screenshot(page, `${name}-${screen}`);
    await audit(page, `${name} (${screen})`);
  }
  const wide = await sideways(page);
  assert.ok(wide.width <= PHONE.width, `${name} is ${wide.width} px wide on a ${PHONE.width} px screen: ${wide.culprits.join(', ')}`);
  await page.setViewportSize(size);
}

const steps = [];
async function step(name, body) {
  const started = Date.now();
  try {
    await body();
    steps.push({ step: name, ok: true, ms: Date.now() - started });
  } catch (e) {
    steps.push({ step: name, ok: false, error: String(e.stack || e) });
    throw e;
  }
}

let failed = false;
try {
  // 1. The search with filters, then a result.
  await step('search with filters and open a result', async () => {
    const page = await newPage();
    await page.goto(`${base}/`);
    assert.equal(await page.getAttribute('html', 'lang'), 'cs');
    // The "Kde" box suggests municipalities as one types.
    await page.locator('#near').pressSequentially('Děč', { delay: 30 });
    await page.locator('#obce option[value="Děčín"]').waitFor({ state: 'attached', timeout: 5000 });
    await page.fill('#near', '');
    await page.fill('#q', need('SERVICE_WORDS'));
    await page.selectOption('#kind', '20');
    await page.selectOption('#kraj', need('KRAJ'));
    await Promise.all([page.waitForNavigation(), page.click('form[role=search] button[type=submit]')]);
    const url = new URL(page.url());
    assert.equal(url.searchParams.get('kind'), '20', 'the filters are in the address');
    assert.equal(url.searchParams.get('kraj'), need('KRAJ'));
    await page.locator('ol.results li').first().waitFor();
    assert.match(await page.textContent('#results'), /: 1$/);
    await visit(page, 'search-results');
    await Promise.all([page.waitForNavigation(), page.click(`ol.results a:has-text("${need('SERVICE_NAME')}")`)]);
    assert.equal((await page.textContent('h1')).trim(), need('SERVICE_NAME'));
    await visit(page, 'service');
    // Keyboard: the skip link is the first stop and leads to the content.
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.className), 'skip');
    await Promise.all([page.waitForNavigation(), page.click('main a[href^="/poskytovatele/"]')]);
    await visit(page, 'provider');
    await page.context().close();
  });

  // 2. The map: kraj -> its ORP.
  await step('map drill-down kraj to ORP', async () => {
    const page = await newPage();
    await page.goto(`${base}/mapa`);
    assert.equal(await page.locator('svg.map a').count(), 14, 'the 14 kraje');
    await visit(page, 'map-kraje');
    await Promise.all([page.waitForNavigation(), page.click(`svg.map a[href*="kraj=${need('KRAJ')}"]`)]);
    assert.match(await page.textContent('h1'), new RegExp(need('KRAJ_NAME')));
    assert.ok(await page.locator('svg.map a').count() > 1, 'the kraj\'s ORP are drawn');
    await visit(page, 'map-orp');
    await page.context().close();
  });

  // 3. A provider signs in, reports free places; the public board shows them.
  await step('provider signs in, reports free places, the board shows them', async () => {
    const page = await newPage(390); // a phone's width
    await page.goto(`${base}/`);
    await Promise.all([page.waitForNavigation(), page.click('nav a[href^="/moje"]')]);
    assert.match(page.url(), /\/prihlaseni/);
    await visit(page, 'sign-in');
    await page.fill('#password', 'not-the-password');
    await page.fill('#login', need('PROVIDER_LOGIN'));
    await Promise.all([page.waitForNavigation(), page.click('main form button[type=submit]')]);
    assert.ok(await page.locator('[role=alert]').isVisible(), 'a wrong password is said');
    await page.fill('#password', need('PROVIDER_PASSWORD'));
    await Promise.all([page.waitForNavigation(), page.click('main form button[type=submit]')]);
    assert.match(page.url(), /\/moje/);
    await visit(page, 'my-page');
    // Click one: the number; click two: report.
    const input = page.locator('input[name=free_places]').first();
    await input.fill('7');
    await Promise.all([page.waitForNavigation(), page.locator('form[action="/moje/volna-mista"] button').first().click()]);
    assert.ok(await page.locator('[role=status]').isVisible(), 'the report is confirmed');
    assert.equal(await page.locator('input[name=free_places]').first().inputValue(), '7');
    await visit(page, 'reported');
    await Promise.all([page.waitForNavigation(), page.click('a[href^="/moje/sluzby/"]')]);
    assert.ok(await page.locator('textarea#description').isVisible(), 'the edit form');
    await visit(page, 'edit-service');
    await page.goto(`${base}/volna-mista?kind=20`);
    const row = page.locator('tbody tr', { hasText: need('SERVICE_NAME') });
    assert.equal(await row.count(), 1);
    assert.match(await row.textContent(), /7 \/ 30/);
    await visit(page, 'board');
    await page.context().close();
  });

  // 4. A survey answered by the provider, and its results.
  await step('a survey answered and its results shown', async () => {
    const page = await newPage();
    await page.goto(`${base}/prihlaseni`);
    await page.fill('#login', need('PROVIDER_LOGIN'));
    await page.fill('#password', need('PROVIDER_PASSWORD'));
    await Promise.all([page.waitForNavigation(), page.click('main form button[type=submit]')]);
    await page.click(`a[href^="/ankety/${need('SURVEY_ID')}"]`);
    await page.waitForSelector('form[action^="/ankety/"]');
    await visit(page, 'survey-form');
    await page.check('input[name="q:capacity_enough"][value="no"]');
    await page.fill('input[name="q:waiting"]', '12');
    await page.check('input[name="q:needs"][value="bydlení"]');
    await page.check('input[name="q:needs"][value="práce"]');
    await Promise.all([page.waitForNavigation(), page.click('form[action^="/ankety/"] button[type=submit]')]);
    assert.ok(await page.locator('[role=status]').isVisible(), 'the answer is confirmed');
    const table = page.locator('table.result', { hasText: 'bydlení' });
    assert.match(await table.locator('tr', { hasText: 'bydlení' }).textContent(), /bydlení\s*1\s*100/);
    assert.match(await page.textContent('main'), /1 \/ 1/);
    await visit(page, 'survey-results');
    await page.goto(`${base}/ankety`);
    await visit(page, 'surveys');
    await page.context().close();
  });

  // 5. The statistics: a chart with its table.
  await step('a statistics chart with its table', async () => {
    const page = await newPage();
    await page.goto(`${base}/statistiky?kind=20`);
    const chart = page.locator('svg.chart.need[role=img]');
    assert.equal(await chart.count(), 1);
    assert.ok((await chart.boundingBox()).height > 50, 'the chart is drawn');
    assert.ok(await page.locator('svg.chart.need rect').count() >= 1, 'with bars');
    assert.equal(await page.locator('svg.chart.trend polyline').count(), 2, 'the trend of providers and services');
    assert.ok(await page.locator('table caption').count() >= 1, 'and its table');
    await visit(page, 'statistics');
    await page.goto(`${base}/?lang=en`);
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    await visit(page, 'search-english');
    await page.context().close();
  });

  // 6. Community planning, grants, the map by coverage, and the pages of other roles.
  await step('planning, grants and the pages of other roles', async () => {
    const page = await newPage();
    await page.goto(`${base}/planovani`);
    await visit(page, 'planning');
    await Promise.all([page.waitForNavigation(), page.click(`a[href^="/planovani/${need('PLAN_ID')}"]`)]);
    assert.equal((await page.textContent('h1')).trim(), need('PLAN_TITLE'));
    assert.match(await page.textContent('main'), /Azylový dům Děčín/);
    await visit(page, 'plan');
    for (const [path, name] of [['/aktuality', 'news'], ['/kalendar', 'calendar'], ['/dotace', 'grants'],
      ['/forum', 'forum'], ['/mapa?measure=coverage&kind=20', 'map-coverage'], ['/dokumenty', 'documents'],
      ['/prace', 'jobs'], ['/tato-stranka-neni', 'not-found'], ['/zapomenute-heslo', 'forgotten-password'],
      ['/nove-heslo?t=odkaz', 'new-password'], ['/odhlaseni-zprav?t=odkaz', 'stop-messages'],
      ['/odber', 'subscribe'], ['/odber/potvrdit?t=odkaz', 'confirm-subscription']]) {
      await page.goto(`${base}${path}`);
      await visit(page, name);
    }
    await Promise.all([page.waitForNavigation(), page.goto(`${base}/dotace`)]);
    await Promise.all([page.waitForNavigation(), page.click('main table a')]);
    assert.match(await page.textContent('h1'), /Podpora azylových domů/);
    await visit(page, 'grant-call');
    for (const login of ['metodik', 'komisar']) {
      await page.goto(`${base}/prihlaseni`);
      await page.fill('#login', login);
      await page.fill('#password', need('PROVIDER_PASSWORD'));
      await Promise.all([page.waitForNavigation(), page.click('main form button[type=submit]')]);
      assert.match(page.url(), /\/moje/);
      await visit(page, `my-page-${login}`);
    }
    await page.context().close();
  });

  assert.deepEqual(outside, [], 'no request to another host');
} catch (e) {
  failed = true;
  console.error(e);
} finally {
  await browser.close();
}
console.log(JSON.stringify({ steps, audited, screenshots: shot, dir: shots }, null, 1));
process.exit(failed ? 1 : 0);
