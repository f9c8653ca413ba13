// What the browser tests stand on: the real gemstone-registry on a loopback
// port, JSON-RPC calls to it from node, Debian's chromium through
// puppeteer-core, and bounded waits. Every process started here is stopped
// when the test process ends, however it ends.

import { spawn } from 'node:child_process';
import { accessSync, constants, mkdirSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

export const { values: options } = parseArgs({
  options: {
    registry: { type: 'string' },
    artifacts: { type: 'string' },
    chromium: { type: 'string', default: process.env.CHROMIUM || '/usr/bin/chromium' },
  },
});

// Without the browser or puppeteer-core the tests cannot run: skipped on a
// developer's machine (ctest reads the SKIPPED line), a failure in CI.
export function cannotRun(reason) {
  if (process.env.CI === 'true') {
    console.error(`FAILED: ${reason} (required when CI=true; packaging/dev.sh installs it)`);
    process.exit(1);
  }
  console.log(`SKIPPED: ${reason} (packaging/dev.sh installs it)`);
  process.exit(0);
}

export async function loadPuppeteer() {
  if (!options.registry) {
    console.error('usage: node dashboard.test.mjs --registry PATH [--artifacts DIR] [--chromium PATH]');
    process.exit(2);
  }
  try {
    accessSync(options.chromium, constants.X_OK);
  } catch {
    cannotRun(`no browser at ${options.chromium} (Debian package chromium)`);
  }
  try {
    return (await import('puppeteer-core')).default;
  } catch (e) {
    cannotRun(`puppeteer-core is not installed in tests/browser (npm ci): ${e.message}`);
  }
  return null;
}

const children = new Set();
function killAll() {
  for (const child of children) child.kill('SIGKILL');
}
process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    killAll();
    process.exit(1);
  });
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/// Polls `check` until it returns a truthy value (returned) or `ms` pass (throws `what`).
export async function eventually(what, check, ms = 5000, every = 50) {
  const deadline = Date.now() + ms;
  let last;
  for (;;) {
    try {
      last = await check();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`not within ${ms} ms: ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    }
    await sleep(every);
  }
}

/// A token file for --read-token-file; its path.
export function tokenFile(token) {
  const dir = mkdtempSync(join(tmpdir(), 'gemstone-ui-'));
  const path = join(dir, 'read.tokens');
  writeFileSync(path, `# dashboard test\n${token}\n`);
  return path;
}

/// The real daemon: `gemstone-registry --host 127.0.0.1 --port PORT ARGS`,
/// ready once it logs where it listens.
export class Registry {
  static async start(args = [], port = 0) {
    const registry = new Registry();
    await registry.#spawn(args, port);
    return registry;
  }

  async #spawn(args, port) {
    this.args = args;
    const child = spawn(options.registry, ['--host', '127.0.0.1', '--port', String(port), ...args], {
      stdio: ['ignore', 'ignore', 'pipe'],
      // A config file on the test machine must not change what is tested.
      env: { ...process.env, GEMSTONE_REGISTRY_CONFIG: '/dev/null' },
    });
    children.add(child);
    this.child = child;
    this.exited = new Promise((resolve) => child.on('exit', (code, signal) => {
      children.delete(child);
      resolve(code ?? signal);
    }));
    let log = '';
    this.port = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`registry did not start within 10 s: ${log}`)), 10000);
      child.stderr.on('data', (chunk) => {
        log += chunk;
        const m = /listening on http:\/\/127\.0\.0\.1:(\d+)\/api/.exec(log);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
      child.on('exit', () => {
        clearTimeout(timer);
        reject(new Error(`registry exited before listening: ${log}`));
      });
    });
    child.stderr.resume();
  }

  get base() {
    return `http://127.0.0.1:${this.port}`;
  }

  /// SIGTERM, then SIGKILL after 5 s.
  async stop() {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(timer);
  }

  /// Stops this daemon and starts another on the same port (with the same flags).
  async restart() {
    const port = this.port;
    await this.stop();
    await this.#spawn(this.args, port);
  }

  /// Calls `method` and returns its result; throws on a JSON-RPC error.
  async call(method, params = {}, token = undefined) {
    const headers = { 'Content-Type': 'application/json' };
    if (token) headers.Authorization = `Bearer ${token}`;
    const response = await fetch(`${this.base}/api`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ jsonrpc: '2.0', method, params, id: 1 }),
      signal: AbortSignal.timeout(5000),
    });
    const body = await response.json();
    if (body.error) throw new Error(`${method}: ${body.error.code} ${body.error.message}`);
    return body.result;
  }

  ping(name, port, meta = {}, host = '127.0.0.1') {
    return this.call('ping', { name, host, port, meta });
  }
}

export async function launchBrowser(puppeteer) {
  return puppeteer.launch({
    executablePath: options.chromium,
    headless: true,
    timeout: 30000,
    protocolTimeout: 30000,
    // --no-sandbox: chromium refuses to start as root with its sandbox.
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run',
      '--disable-extensions', '--disable-background-networking'],
  });
}

/// Where screenshots go (the build directory), created on first use.
export function artifact(name) {
  const dir = options.artifacts || join(tmpdir(), 'gemstone-browser-artifacts');
  mkdirSync(dir, { recursive: true });
  return join(dir, name);
}

/// A page that records what a test checks afterwards: console errors, page
/// errors, CSP violations, and every request the page makes.
export async function openPage(browser, { width = 1280, height = 800 } = {}) {
  const page = await browser.newPage();
  page.setDefaultTimeout(8000);
  await page.setViewport({ width, height });
  const seen = { errors: [], violations: [], requests: [] };
  page.on('console', (message) => {
    if (message.type() === 'error') seen.errors.push(message.text());
  });
  page.on('pageerror', (error) => seen.errors.push(`page error: ${error.message}`));
  page.on('request', (request) => seen.requests.push({
    url: request.url(),
    method: request.method(),
    headers: request.headers(),
    body: request.postData(),
  }));
  await page.evaluateOnNewDocument(() => {
    window.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  seen.violationsNow = () => page.evaluate(() => window.__violations);
  return { page, seen };
}

/// The instance rows the page shows, live ones only: [{key, classes}].
export function rows(page) {
  return page.$$eval('#instances tbody tr', (trs) => trs.map((tr) => ({
    key: tr.dataset.key,
    classes: [...tr.classList],
    expires: tr.querySelector('td.expires')?.textContent,
  })));
}

export async function liveKeys(page) {
  return (await rows(page)).filter((r) => !r.classes.includes('gone')).map((r) => r.key).sort();
}

export function keyOf(instance) {
  return `${instance.name} ${instance.host} ${instance.port}`;
}
