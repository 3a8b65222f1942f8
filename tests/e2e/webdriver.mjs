// A small W3C WebDriver client over fetch: just what the desktop E2E test needs, so that no
// browser or driver package has to be downloaded. tauri-driver speaks this protocol and hands
// the session to WebKitWebDriver, which drives the real Waypoint window.

const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';

export class WebDriverError extends Error {}

export class Session {
  constructor(base, id) {
    this.base = base;
    this.id = id;
  }

  static async start(base, capabilities) {
    const value = await request(base, 'POST', '/session', { capabilities });
    return new Session(base, value.sessionId);
  }

  cmd(method, path, body) {
    return request(this.base, method, `/session/${this.id}${path}`, body);
  }

  async end() {
    await this.cmd('DELETE', '');
  }

  /** The first element matching a CSS selector, or null. */
  async find(css, from = null) {
    const path = from ? `/element/${from.id}/elements` : '/elements';
    const found = await this.cmd('POST', path, { using: 'css selector', value: css });
    return found.length ? new Element(this, found[0][ELEMENT]) : null;
  }

  async findAll(css) {
    const found = await this.cmd('POST', '/elements', { using: 'css selector', value: css });
    return found.map((f) => new Element(this, f[ELEMENT]));
  }

  async xpathAll(xpath) {
    const found = await this.cmd('POST', '/elements', { using: 'xpath', value: xpath });
    return found.map((f) => new Element(this, f[ELEMENT]));
  }

  /** Waits until a CSS selector matches (and, if given, its text contains `text`). */
  async waitFor(css, { text = null, timeout = 10_000 } = {}) {
    let last = '';
    const found = await until(async () => {
      for (const el of await this.findAll(css)) {
        if (text === null) return el;
        try {
          last = await el.text();
        } catch (e) {
          // Re-rendered between finding and reading it: look again.
          if (String(e.message).includes('stale element')) continue;
          throw e;
        }
        if (last.includes(text)) return el;
      }
      return null;
    }, timeout);
    if (!found) {
      throw new WebDriverError(`nothing matched ${css}${text ? ` with text "${text}" (last: "${last}")` : ''}`);
    }
    return found;
  }

  /** The button whose visible text contains `text`. */
  async button(text, timeout = 10_000) {
    const xp = `//button[contains(normalize-space(.), ${xpathString(text)})]`;
    const found = await until(async () => (await this.xpathAll(xp))[0] ?? null, timeout);
    if (!found) throw new WebDriverError(`no button "${text}"`);
    return found;
  }

  /** Clicks the button whose visible text contains `text`, again if the page re-rendered it. */
  async clickButton(text, timeout = 10_000) {
    for (let attempt = 0; ; attempt++) {
      try {
        return await (await this.button(text, timeout)).click();
      } catch (e) {
        if (attempt < 3 && String(e.message).includes('stale element')) continue;
        throw e;
      }
    }
  }

  /** Selects the option of a <select> by its value, as a person picking it does. */
  async select(css, value) {
    const ok = await this.run(
      `const s = document.querySelector(arguments[0]);
       if (!s || ![...s.options].some((o) => o.value === arguments[1])) return false;
       s.value = arguments[1];
       s.dispatchEvent(new Event('input', { bubbles: true }));
       s.dispatchEvent(new Event('change', { bubbles: true }));
       return true;`,
      [css, value],
    );
    if (!ok) throw new WebDriverError(`no option ${value} in ${css}`);
  }

  run(script, args = []) {
    return this.cmd('POST', '/execute/sync', { script, args });
  }

  /** Sets how long a script may run (ms); WebDriver's default is 30 s. */
  scriptTimeout(ms) {
    return this.cmd('POST', '/timeouts', { script: ms });
  }

  async screenshot() {
    return Buffer.from(await this.cmd('GET', '/screenshot'), 'base64');
  }
}

export class Element {
  constructor(session, id) {
    this.session = session;
    this.id = id;
  }
  click() {
    return this.session.cmd('POST', `/element/${this.id}/click`, {});
  }
  type(text) {
    return this.session.cmd('POST', `/element/${this.id}/value`, { text });
  }
  clear() {
    return this.session.cmd('POST', `/element/${this.id}/clear`, {});
  }
  text() {
    return this.session.cmd('GET', `/element/${this.id}/text`);
  }
  property(name) {
    return this.session.cmd('GET', `/element/${this.id}/property/${name}`);
  }
  async enabled() {
    return this.session.cmd('GET', `/element/${this.id}/enabled`);
  }
}

let REQUEST_TIMEOUT_MS = 30_000;

/** How long one WebDriver command may take before the test fails instead of hanging. */
export function setRequestTimeout(ms) {
  REQUEST_TIMEOUT_MS = ms;
}

export const KEY = { ENTER: '\uE007', DOWN: '\uE015', UP: '\uE013', ESCAPE: '\uE00C' };

async function request(base, method, path, body) {
  let res;
  try {
    res = await fetch(base + path, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      // No command waits forever: a stuck driver fails the test instead of hanging CI.
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (e) {
    throw new WebDriverError(`${method} ${path}: ${e.message}`);
  }
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    throw new WebDriverError(`${method} ${path}: HTTP ${res.status}: ${text.slice(0, 300)}`);
  }
  if (!res.ok || json.value?.error) {
    const v = json.value ?? {};
    throw new WebDriverError(`${method} ${path}: ${v.error ?? res.status}: ${v.message ?? text.slice(0, 300)}`);
  }
  return json.value;
}

/** Polls `fn` until it returns something truthy or `timeout` ms pass; then null. */
export async function until(fn, timeout = 10_000, every = 100) {
  const end = Date.now() + timeout;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) return null;
    await new Promise((r) => setTimeout(r, every));
  }
}

function xpathString(s) {
  if (!s.includes("'")) return `'${s}'`;
  return `concat('${s.split("'").join(`', "'", '`)}')`;
}
