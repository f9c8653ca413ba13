// The dashboard (GET /ui/) in a real browser against the real daemon:
// Debian's chromium, headless, driven by puppeteer-core.
//   node tests/browser/dashboard.test.mjs --registry build/registry/gemstone-registry [--artifacts DIR]
// Screenshots (desktop and phone width) go to --artifacts.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';

import {
  Registry, artifact, eventually, keyOf, launchBrowser, liveKeys, loadPuppeteer, openPage, rows,
  tokenFile,
} from './support.mjs';

const puppeteer = await loadPuppeteer();
const READS = new Set(['get_service_specs', 'list_services', 'watch_services', 'locate_service']);

let browser;
before(async () => { browser = await launchBrowser(puppeteer); });
after(async () => { await browser?.close(); });

async function locatedKeys(registry, pattern, token) {
  return (await registry.call('locate_service', { name: pattern }, token)).map(keyOf).sort();
}

async function shownServices(page) {
  return page.$$eval('#services button', (buttons) => buttons.map((b) => ({
    name: b.querySelector('.name').textContent,
    instances: Number(b.querySelector('.count').textContent),
  })));
}

// "8.4 s", "42 s", "1 min 14 s" as seconds.
function secondsOf(shown) {
  const m = /^(?:(\d+) min )?([\d.]+) s$/.exec(shown);
  assert.ok(m, `not a time: ${shown}`);
  return Number(m[1] || 0) * 60 + Number(m[2]);
}

async function text(page, selector) {
  return page.$eval(selector, (e) => e.textContent);
}

async function visible(page, selector) {
  return page.$eval(selector, (e) => !e.hidden && e.offsetParent !== null);
}

async function setFilter(page, pattern) {
  await page.click('#filter', { clickCount: 3 });
  await page.keyboard.press('Backspace');
  await page.keyboard.type(pattern);
  await page.keyboard.press('Enter');
}

// Every request the page made went to its own registry, and every call it
// made only read.
function assertOnlyReads(seen, registry) {
  assert.ok(seen.requests.length > 0);
  for (const request of seen.requests) {
    assert.equal(new URL(request.url).origin, registry.base, request.url);
    if (request.method === 'POST') {
      assert.equal(new URL(request.url).pathname, '/api');
      const call = JSON.parse(request.body);
      assert.ok(READS.has(call.method), `the page called ${call.method}`);
    } else {
      assert.match(request.method, /^(GET|HEAD)$/);
    }
  }
}

test('the page loads from /, shows the registry, with no console error and no CSP violation',
  { timeout: 30000 }, async () => {
    const registry = await Registry.start(['--ttl', '75']);
    const { page, seen } = await openPage(browser);
    try {
      await registry.ping('billing.api', 9001, { zone: 'eu-1', version: '2.3' });
      await registry.ping('billing.api', 9002, { zone: 'eu-2', version: '2.3' });
      await registry.ping('billing.worker', 9101, { queue: 'invoices' });
      await registry.call('ping', { name: 'search', url: 'https://search.internal:8443/rpc', meta: { zone: 'us-1' } });
      await registry.ping('calculator', 9000);

      const response = await page.goto(`${registry.base}/`, { waitUntil: 'load' });
      assert.equal(new URL(page.url()).pathname, '/ui/', 'GET / redirects to /ui/');
      const headers = response.headers();
      assert.equal(headers['content-security-policy'], "default-src 'self'");
      assert.equal(headers['x-content-type-options'], 'nosniff');
      assert.match(headers['content-type'], /^text\/html/);

      const located = await locatedKeys(registry, '*');
      await eventually('every instance shown', async () =>
        JSON.stringify(await liveKeys(page)) === JSON.stringify(located));
      assert.equal(await text(page, '#address'), `127.0.0.1:${registry.port}`);
      assert.equal(await text(page, '#ttl'), '1 min 15 s');
      assert.equal(await text(page, '#backend'), 'memory');
      assert.equal(await text(page, '#instance-count'), '5');
      assert.equal(await text(page, '#service-count'), '4');
      assert.match(await text(page, '#version'), /^\d+\.\d+/);
      assert.match(await text(page, '#uptime'), /\d s$/);
      assert.deepEqual(await shownServices(page), await registry.call('list_services', {}));

      // Each instance's fields, and its countdown running.
      const row = '#instances tr[data-key="search search.internal 8443"]';
      assert.equal(await text(page, `${row} td.url`), 'https://search.internal:8443/rpc');
      assert.equal(await text(page, `${row} td.meta`), 'zone=us-1');
      const before = secondsOf(await text(page, `${row} td.expires`));
      assert.ok(before > 60 && before <= 75, `expires in ${before}`);
      await eventually('the countdown moves', async () =>
        secondsOf(await text(page, `${row} td.expires`)) < before, 5000);

      // One more, so that the screenshots show how a new instance is marked.
      await registry.ping('billing.api', 9003, { zone: 'eu-1', version: '2.4' });
      await eventually('the new instance marked', async () =>
        (await rows(page)).some((r) => r.key === 'billing.api 127.0.0.1 9003' && r.classes.includes('added')));
      await page.screenshot({ path: artifact('dashboard-desktop.png') });
      const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      const light = await background();
      await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'dark' }]);
      assert.notEqual(await background(), light, 'dark mode has its own colours');
      await page.screenshot({ path: artifact('dashboard-dark.png') });
      await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'light' }]);
      // A phone's width (isMobile would reload the page).
      await page.setViewport({ width: 390, height: 844 });
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= 390, `the phone layout is ${width} px wide`);
      await page.screenshot({ path: artifact('dashboard-phone.png'), fullPage: true });

      assert.deepEqual(seen.errors, []);
      assert.deepEqual(await seen.violationsNow(), []);
      assertOnlyReads(seen, registry);
    } finally {
      await page.close();
      await registry.stop();
    }
  });

test('instances appear, change, and go without a reload', { timeout: 30000 }, async () => {
  const registry = await Registry.start(['--ttl', '60']);
  const { page, seen } = await openPage(browser);
  try {
    await registry.ping('orders', 7001);
    await page.goto(`${registry.base}/ui/`);
    await eventually('the first instance', async () => (await liveKeys(page)).length === 1);
    await page.evaluate(() => { window.stayed = true; });
    assert.ok(!(await rows(page))[0].classes.includes('added'), 'what was there at load is not new');

    await registry.ping('orders', 7002, { zone: 'b' });
    const added = await eventually('the new instance, marked', async () =>
      (await rows(page)).find((r) => r.key === 'orders 127.0.0.1 7002' && r.classes.includes('added')), 5000);
    assert.ok(added);
    assert.equal(await text(page, '#instance-count'), '2');

    await registry.ping('orders', 7002, { zone: 'c' });
    await eventually('the new metadata', async () =>
      (await text(page, '#instances tr[data-key="orders 127.0.0.1 7002"] td.meta')) === 'zone=c', 5000);

    assert.equal(await registry.call('unregister', { name: 'orders', host: '127.0.0.1', port: 7001 }), true);
    const gone = await eventually('the unregistered instance greyed out', async () =>
      (await rows(page)).find((r) => r.key === 'orders 127.0.0.1 7001' && r.classes.includes('gone')), 5000);
    assert.equal(gone.expires, 'unregistered');
    await eventually('the unregistered instance removed', async () =>
      !(await rows(page)).some((r) => r.key === 'orders 127.0.0.1 7001'), 5000);
    assert.deepEqual(await liveKeys(page), ['orders 127.0.0.1 7002']);
    assert.equal(await page.evaluate(() => window.stayed), true, 'the page was not reloaded');
    assertOnlyReads(seen, registry);
  } finally {
    await page.close();
    await registry.stop();
  }
});

test('the glob filter shows exactly what locate_service and list_services answer',
  { timeout: 30000 }, async () => {
    const registry = await Registry.start(['--ttl', '60']);
    const { page } = await openPage(browser);
    try {
      let port = 8000;
      for (const name of ['svc.a', 'svc.a', 'svc.b', 'svc.ab', 'svc.c9', 'other.a', 'Svc.a']) {
        await registry.ping(name, ++port);
      }
      await page.goto(`${registry.base}/ui/`);
      await eventually('every instance', async () => (await liveKeys(page)).length === 7);

      for (const pattern of ['svc.[ab]*', 'svc.?', '*a', '[!s]*', 'svc.[!a-b]*', 'nothing.*', '*']) {
        await setFilter(page, pattern);
        const located = await locatedKeys(registry, pattern);
        const listed = await registry.call('list_services', { pattern });
        await eventually(`the page's answer for ${pattern}`, async () =>
          JSON.stringify(await liveKeys(page)) === JSON.stringify(located) &&
          JSON.stringify(await shownServices(page)) === JSON.stringify(listed) &&
          (await text(page, '#selected')) === pattern, 5000);
        assert.equal(await visible(page, '#no-instances'), located.length === 0, pattern);
      }
      assert.match(page.url(), /#$|\/ui\/$/, 'the default filter leaves the address clean');

      // Picking a service from the keyboard narrows the instances to it.
      await setFilter(page, 'svc.*');
      await eventually('the svc services', async () => (await shownServices(page)).length === 4);
      await page.focus('#services button');
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('ArrowUp');
      await page.keyboard.press('Enter');
      await eventually('only svc.a', async () =>
        JSON.stringify(await liveKeys(page)) === JSON.stringify(await locatedKeys(registry, 'svc.a')));
      assert.equal(await text(page, '#selected'), 'svc.a');
      assert.equal(await page.$eval('#services button', (b) => b.getAttribute('aria-pressed')), 'true');
      await page.click('#show-all');
      await eventually('every svc.* again', async () =>
        JSON.stringify(await liveKeys(page)) === JSON.stringify(await locatedKeys(registry, 'svc.*')));

      // The filter lives in the address: a link opens the page on it.
      await page.goto(`${registry.base}/ui/#filter=${encodeURIComponent('*.a')}`);
      await eventually('the filter from the address', async () =>
        JSON.stringify(await liveKeys(page)) === JSON.stringify(await locatedKeys(registry, '*.a')) &&
        (await page.$eval('#filter', (e) => e.value)) === '*.a');
    } finally {
      await page.close();
      await registry.stop();
    }
  });

test('an instance that stops pinging counts down, greys out and goes', { timeout: 30000 }, async () => {
  const registry = await Registry.start(['--ttl', '1.5']);
  const { page } = await openPage(browser);
  let renewing = true;
  const renewals = (async () => {
    while (renewing) {
      await registry.ping('kept', 6001);
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  })();
  try {
    await registry.ping('short.lived', 6002);
    await page.goto(`${registry.base}/ui/`);
    const key = 'short.lived 127.0.0.1 6002';
    await eventually('both instances', async () => (await liveKeys(page)).length === 2);
    let greyed = false;
    await eventually('the expired instance removed', async () => {
      const row = (await rows(page)).find((r) => r.key === key);
      if (row && (row.classes.includes('gone') || row.classes.includes('expiring'))) greyed = true;
      return !row;
    }, 8000, 25);
    assert.ok(greyed, 'the row was greyed out before it went');
    assert.deepEqual(await liveKeys(page), ['kept 127.0.0.1 6001'], 'the renewed instance stays');
  } finally {
    renewing = false;
    await renewals;
    await page.close();
    await registry.stop();
  }
});

test('with read tokens the page asks for one, says when it is wrong, and keeps it for the tab',
  { timeout: 30000 }, async () => {
    const token = 'dashboard-read-token-1';
    const registry = await Registry.start(['--read-token-file', tokenFile(token)]);
    const { page, seen } = await openPage(browser);
    try {
      await registry.ping('private.api', 5001);
      await page.goto(`${registry.base}/ui/`);
      await eventually('the token prompt', () => visible(page, '#token-form'));
      assert.equal(await visible(page, '#main'), false, 'nothing is shown without a token');
      assert.equal(await page.evaluate(() => document.activeElement.id), 'token', 'the prompt has the focus');

      await page.keyboard.type('not-the-token');
      await page.keyboard.press('Enter');
      await eventually('the refusal', async () =>
        (await visible(page, '#token-error')) && /refused/.test(await text(page, '#token-error')));
      assert.equal(await visible(page, '#main'), false);

      await page.type('#token', token);
      await page.keyboard.press('Enter');
      await eventually('the instances', async () =>
        JSON.stringify(await liveKeys(page)) === JSON.stringify(await locatedKeys(registry, '*', token)));
      assert.equal(await visible(page, '#token-form'), false);
      const sent = seen.requests.filter((r) => r.method === 'POST').map((r) => r.headers.authorization);
      assert.ok(sent.includes(`Bearer ${token}`));
      assert.ok(sent.includes('Bearer not-the-token'));
      assert.equal(await page.evaluate(() => sessionStorage.getItem('gemstone-registry.token')), token);
      assert.ok(!page.url().includes(token));

      // Asked once: a reload in the same tab goes straight to the instances.
      await page.reload();
      await eventually('the instances after a reload', async () => (await liveKeys(page)).length === 1);
      assert.equal(await visible(page, '#token-form'), false);
    } finally {
      await page.close();
      await registry.stop();
    }
  });

test('the page says when the registry is unreachable and comes back with it', { timeout: 40000 }, async () => {
  const registry = await Registry.start(['--ttl', '60']);
  const { page } = await openPage(browser);
  try {
    await registry.ping('before.restart', 4001);
    await page.goto(`${registry.base}/ui/`);
    await eventually('the instance', async () => (await liveKeys(page)).length === 1);
    const uptimeBefore = await page.evaluate(() => performance.now());

    await registry.stop();
    await eventually('the unreachable state line', async () =>
      (await visible(page, '#state')) && /cannot be reached/.test(await text(page, '#state')));

    await registry.restart();
    await registry.ping('after.restart', 4002);
    await eventually('the new registry\'s instances', async () =>
      JSON.stringify(await liveKeys(page)) === JSON.stringify(['after.restart 127.0.0.1 4002']), 10000);
    await eventually('the state line cleared', async () => !(await visible(page, '#state')));
    assert.ok(secondsOf(await text(page, '#uptime')) < 30, 'the header is the new registry\'s');
    assert.ok(await page.evaluate((t) => performance.now() > t, uptimeBefore), 'same page, no reload');
  } finally {
    await page.close();
    await registry.stop();
  }
});
