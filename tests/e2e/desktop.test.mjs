// End-to-end test of the desktop app: the real binary in a real window (under Xvfb in CI),
// driven through tauri-driver and WebKitWebDriver, as a field worker would use it; then the
// records are checked with the `waypoint export` CLI. A screenshot of each screen is saved.
// The app starts locked: the test signs in on its sign-in screen, locks and unlocks it, lets
// it lock itself when idle, and at the end scans everything the app and the drivers printed
// (and the web view's data and cache directories) for the sample's names, document numbers
// and notes, and for the PIN: none may appear.
//
//   WAYPOINT_DESKTOP_BIN  the app binary (target/debug/waypoint-desktop)
//   WAYPOINT_CLI_BIN      the CLI binary (target/debug/waypoint)
//   E2E_OUT               where screenshots go (default target/e2e-desktop)
//   TAURI_DRIVER          tauri-driver (default: on PATH)
//
// Run through scripts/test-desktop, which builds everything and starts Xvfb.

import { spawn, execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KEY, Session, until } from './webdriver.mjs';

const root = resolve(import.meta.dirname, '..', '..');
const target = process.env.CARGO_TARGET_DIR ?? join(root, 'target');
const appBin = process.env.WAYPOINT_DESKTOP_BIN ?? join(target, 'debug', 'waypoint-desktop');
const cliBin = process.env.WAYPOINT_CLI_BIN ?? join(target, 'debug', 'waypoint');
const out = process.env.E2E_OUT ?? join(target, 'e2e-desktop');
const sample = join(root, 'tests', 'fixtures', 'sample-cases.csv');
// axe-core, the accessibility checker, from the UI's development packages (ui/package.json).
const axeSource = readFileSync(createRequire(join(root, 'ui', 'package.json')).resolve('axe-core/axe.min.js'), 'utf8');
// What axe-core finds that must fail the run; `moderate` and `minor` findings are printed.
const AXE_FAILS = ['serious', 'critical'];
const PORT = 4444;
const DRIVER = `http://127.0.0.1:${PORT}`;

// ---- a TD3 machine-readable zone with real ICAO 9303 check digits (synthetic person) --------

function checkDigit(s) {
  const weights = [7, 3, 1];
  let sum = 0;
  [...s].forEach((c, i) => {
    const v = c === '<' ? 0 : /[0-9]/.test(c) ? Number(c) : c.charCodeAt(0) - 55;
    sum += v * weights[i % 3];
  });
  return String(sum % 10);
}

function td3({ issuer, surname, given, number, nationality, birth, sex, expiry }) {
  const pad = (s, n) => (s + '<'.repeat(n)).slice(0, n);
  const line1 = pad(`P<${issuer}${surname.replaceAll(' ', '<')}<<${given.replaceAll(' ', '<')}`, 44);
  const doc = pad(number, 9);
  const personal = '<'.repeat(14);
  const parts = [doc + checkDigit(doc), birth + checkDigit(birth), expiry + checkDigit(expiry), personal + checkDigit(personal)];
  const composite = checkDigit(parts.join(''));
  const line2 = `${parts[0]}${nationality}${parts[1]}${sex}${parts[2]}${parts[3]}${composite}`;
  assert.equal(line2.length, 44);
  return [line1, line2];
}

// Aline NIYONZIMA, case KGL-2025-000104, refugee travel document RTD-000931 (sample data).
const VALID = td3({
  issuer: 'RWA',
  surname: 'NIYONZIMA',
  given: 'ALINE',
  number: 'RTD000931',
  nationality: 'BDI',
  birth: '900107',
  sex: 'F',
  expiry: '270501',
});
// The same zone with one digit of the date of birth mistyped (its check digit no longer fits).
const CORRUPTED = [VALID[0], VALID[1].slice(0, 13) + '8' + VALID[1].slice(14)];

// ---- what must never be printed: the sample's personal data, and the PIN --------------------

function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n') {
      row.push(field.replace(/\r$/, ''));
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field || row.length) rows.push([...row, field]);
  const [header, ...body] = rows;
  return body.filter((r) => r.length > 1).map((r) => Object.fromEntries(header.map((h, i) => [h.replace(/^\uFEFF/, ''), r[i] ?? ''])));
}

/** Names (Latin and native), document numbers and notes of the sample file. */
function personalStrings() {
  const rows = parseCsv(readFileSync(sample, 'utf8'));
  const columns = ['family_name', 'given_names', 'family_name_native', 'given_names_native', 'document_no', 'special_needs_notes', 'phone'];
  const found = new Set();
  for (const r of rows) for (const c of columns) if (r[c]?.trim()) found.add(r[c].trim());
  // Each part of a name on its own too (a log might print "Jean" without "Claude").
  for (const r of rows) for (const c of ['family_name', 'given_names']) for (const part of (r[c] ?? '').split(/\s+/)) if (part.length >= 4) found.add(part);
  return [...found];
}

// ---- the app under tauri-driver ------------------------------------------------------------

let driver;
let session;
let dataDir;
// The store is encrypted (docs/storage.md): the app and the CLI unlock it with this staff member's PIN
// and this run's device secret, a file outside the data directory.
let secretDir;
let unlockEnv;
// The app's home for the web view's data, cache and configuration (XDG directories): scanned
// at the end for anything personal.
let homeDir;
let appEnv;
let shots = 0;
// Serious or critical accessibility findings of the screens shown in the current step.
let axeSerious = [];
let startedAt = 0;
const STAFF = 'E2E Officer';
const PIN = 'e2e-pin-4826';
// A second staff member, whose role may not import.
const ASSISTANT = 'E2E Assistant';
const ASSISTANT_PIN = 'assist-pin-7315';
// Everything the drivers and the app printed during the whole run, and the CLI's stderr.
const driverLog = [];

/** Starts tauri-driver with the app's environment (and `extra`), and waits until it answers. */
async function startDriver(extra = {}) {
  const d = spawn(process.env.TAURI_DRIVER ?? 'tauri-driver', ['--port', String(PORT)], {
    env: { ...process.env, ...appEnv, ...extra },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  d.stdout.on('data', (b) => driverLog.push(String(b)));
  d.stderr.on('data', (b) => driverLog.push(String(b)));
  const up = await until(async () => {
    try {
      const res = await fetch(`${DRIVER}/status`);
      return res.ok;
    } catch {
      return false;
    }
  }, 20_000, 200);
  assert.ok(up, `tauri-driver did not start: ${driverLog.join('')}`);
  return d;
}

async function stopDriver() {
  if (!driver) return;
  const exited = new Promise((r) => driver.once('exit', r));
  driver.kill();
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  driver = null;
}

/** Types the name (unless kept) and the PIN on the sign-in screen, and presses Enter. */
async function signIn(pin, { name = null, again = false } = {}) {
  if (name !== null) {
    const box = await session.waitFor('[data-testid=signin-name]');
    await box.clear();
    await box.type(name);
  }
  const pinBox = await session.waitFor('[data-testid=signin-pin]');
  await pinBox.clear();
  if (again) {
    await pinBox.type(pin);
    const pinAgain = await session.waitFor('[data-testid=signin-pin-again]');
    await pinAgain.clear();
    await pinAgain.type(pin + KEY.ENTER);
  } else {
    await pinBox.type(pin + KEY.ENTER);
  }
}

/** The text of the whole window, as a person sees it. */
function pageText() {
  return session.run('return document.body.innerText');
}

/**
 * Saves what the screen shows now. The X server's own picture of the window (xwd), rather than
 * WebDriver's screenshot: WebKitWebDriver's waits for a repaint that an idle page under Xvfb
 * may never make.
 */
async function shot(name) {
  shots += 1;
  const file = join(out, `${String(shots).padStart(2, '0')}-${name}.png`);
  // Let the last change reach the screen.
  await session.run('return new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))');
  const xwd = execFileSync('xwd', ['-root', '-silent'], { maxBuffer: 64 << 20 });
  execFileSync('convert', ['xwd:-', `png:${file}`], { input: xwd });
  await checkAccessibility(name);
  return file;
}

/**
 * Runs axe-core on the screen shown: serious and critical findings fail the step (once it has
 * done everything else, so that the steps after it still start where they expect); the others
 * are printed.
 */
async function checkAccessibility(name) {
  const started = Date.now();
  // Given to the page once: it stays for the window's life (the UI never reloads).
  const loaded = await session.run('return typeof window.axe === "object"');
  if (!loaded) {
    await session.run(`${axeSource}\n;return typeof window.axe;`);
    // It finds what it should: a button without a name is a critical finding.
    const probe = await session.run(
      `const b = document.body.appendChild(document.createElement('button'));
       return window.axe.run(b, { runOnly: ['button-name'] }).then(
         (r) => { b.remove(); return r.violations.map((v) => v.impact); },
         (e) => { b.remove(); return String(e); });`,
    );
    assert.deepEqual(probe, ['critical'], 'axe-core finds a button without a name');
  }
  const found = await session.run(
    `return window.axe.run(document, { resultTypes: ['violations'] }).then(
       (r) => r.violations.map((v) => ({
         id: v.id,
         impact: v.impact,
         help: v.help,
         targets: v.nodes.map((n) => n.target.join(' ')),
       })),
       (e) => ({ error: String(e) }),
     );`,
  );
  assert.ok(Array.isArray(found), `axe-core did not run on ${name}: ${JSON.stringify(found)}`);
  for (const v of found) {
    const line = `${name}: ${v.impact} ${v.id} (${v.help}): ${v.targets.slice(0, 5).join(', ')}${v.targets.length > 5 ? ', ...' : ''}`;
    if (AXE_FAILS.includes(v.impact)) axeSerious.push(line);
    console.log(`# axe ${line}`);
  }
  console.log(`# axe ${name}: ${found.length} finding(s), ${Date.now() - started} ms`);
}

/** Gives the import screen's file input a file, as a drop would. */
async function chooseFile(name, content) {
  await session.run(
    `const input = document.querySelector('input[type=file]');
     const dt = new DataTransfer();
     dt.items.add(new File([arguments[1]], arguments[0], { type: 'text/csv' }));
     input.files = dt.files;
     input.dispatchEvent(new Event('change', { bubbles: true }));`,
    [name, content],
  );
}

async function setLanguage(l) {
  await session.select('header .lang select', l);
  await until(async () => (await session.run('return document.documentElement.lang')) === l, 5000);
}

async function openTab(id) {
  await (await session.waitFor(`#tab-${id}`)).click();
  await until(async () => (await (await session.find(`#tab-${id}`)).property('ariaSelected')) === 'true', 5000);
}

/**
 * One step of the flow; none may take more than a minute. It fails, after it has done
 * everything else, when a screen it showed has serious or critical accessibility findings.
 */
function step(name, fn) {
  return it(name, { timeout: 60_000 }, async () => {
    axeSerious = [];
    await fn();
    assert.deepEqual(axeSerious, [], 'axe-core: serious or critical accessibility findings');
  });
}

async function errorText() {
  const el = await session.waitFor('.tabpanel .error[role=alert]');
  return el.text();
}

describe('Waypoint desktop, end to end', { timeout: 600_000 }, () => {
  before(async () => {
    for (const [what, path] of [['app', appBin], ['CLI', cliBin]]) {
      try {
        readFileSync(path);
      } catch {
        throw new Error(`the ${what} binary ${path} is missing: build it first (scripts/test-desktop does)`);
      }
    }
    mkdirSync(out, { recursive: true });
    dataDir = mkdtempSync(join(tmpdir(), 'waypoint-e2e-'));
    secretDir = mkdtempSync(join(tmpdir(), 'waypoint-e2e-secret-'));
    homeDir = mkdtempSync(join(tmpdir(), 'waypoint-e2e-home-'));
    // The CLI (for the final check) unlocks with the environment; the app never does.
    unlockEnv = {
      WAYPOINT_STAFF: STAFF,
      WAYPOINT_PIN: PIN,
      WAYPOINT_SECRET_FILE: join(secretDir, 'device-secret'),
    };
    appEnv = {
      WAYPOINT_DATA_DIR: dataDir,
      WAYPOINT_SECRET_FILE: unlockEnv.WAYPOINT_SECRET_FILE,
      WAYPOINT_SITE: '',
      XDG_DATA_HOME: join(homeDir, 'data'),
      XDG_CACHE_HOME: join(homeDir, 'cache'),
      XDG_CONFIG_HOME: join(homeDir, 'config'),
    };
    // Not inherited: only the sign-in screen may unlock the app.
    for (const name of ['WAYPOINT_STAFF', 'WAYPOINT_PIN', 'WAYPOINT_OFFICER', 'WAYPOINT_IDLE_SECONDS']) delete process.env[name];
    driver = await startDriver();
    startedAt = Date.now();
    session = await Session.start(DRIVER, {
      alwaysMatch: { browserName: 'wry', 'tauri:options': { application: appBin } },
    });
  });

  after(async () => {
    try {
      await session?.end();
    } catch {
      // the window may already be gone
    }
    await stopDriver();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    if (secretDir) rmSync(secretDir, { recursive: true, force: true });
    if (homeDir) rmSync(homeDir, { recursive: true, force: true });
  });

  step('starts locked: the sign-in screen, in three languages, shows nothing else', async () => {
    await session.waitFor('[data-testid=signin]', { timeout: 20_000 });
    console.log(`# app start to the sign-in screen: ${Date.now() - startedAt} ms (debug build, through WebDriver)`);
    const focused = await until(() => session.run('return document.activeElement?.dataset.testid === "signin-name"'), 5000);
    assert.ok(focused, 'the name field has the focus');
    assert.equal(await session.find('.find'), null, 'no search box before sign-in');
    assert.equal(await session.find('header nav'), null, 'no navigation before sign-in');
    // The window's own calls get nothing either.
    const refused = await session.run(`return window.__TAURI_INTERNALS__.invoke('status').then(() => 'allowed', (e) => e.kind)`);
    assert.equal(refused, 'locked');
    await shot('signin-en');
    await setLanguage('fr');
    await session.waitFor('[data-testid=signin] h1', { text: 'Se connecter' });
    await shot('signin-fr');
    await setLanguage('es');
    await session.waitFor('[data-testid=signin] h1', { text: 'Iniciar sesión' });
    await shot('signin-es');
    await setLanguage('en');
    // Two different new PINs are refused before anything is made.
    await (await session.waitFor('[data-testid=signin-name]')).type(STAFF);
    await (await session.waitFor('[data-testid=signin-pin]')).type(PIN);
    await (await session.waitFor('[data-testid=signin-pin-again]')).type('other-pin-1' + KEY.ENTER);
    await session.waitFor('[data-testid=signin-problem]', { text: 'not the same' });
  });

  step('signs in through the screen: the search box has the focus, the store is empty', async () => {
    const signingIn = Date.now();
    await signIn(PIN, { name: STAFF, again: true });
    const input = await session.waitFor('.find input[type=search]', { timeout: 20_000 });
    console.log(`# sign-in (Argon2id, new store) to the search box: ${Date.now() - signingIn} ms`);
    const focused = await until(() => session.run('return document.activeElement?.getAttribute("type") === "search"'), 5000);
    assert.ok(focused, 'the search box has the focus');
    // Who is signed in, in which role: read from the page (WebKit's WebDriver leaves the
    // right-aligned, ellipsis-clipped part of the status bar out of an element's "visible text").
    const who = await until(async () => {
      const text = await session.run('return document.querySelector(".status .who")?.textContent ?? ""');
      return text.replace(/\s+/g, ' ').includes(`${STAFF} (supervisor)`) ? text : null;
    }, 10_000);
    assert.ok(who, 'the status bar names the person signed in and their role');
    await input.type('Niyonzima');
    await session.waitFor('.find .empty', { text: 'Niyonzima' });
    await input.clear();
    await session.waitFor('.status [data-testid=pending]', { text: '0' });
  });

  step('the window may call the app\'s own commands and nothing else', async () => {
    const r = await session.run(`
      const call = (cmd, args = {}) => window.__TAURI_INTERNALS__.invoke(cmd, args)
        .then(() => 'allowed', (e) => 'refused: ' + String(e));
      return Promise.all([
        typeof window.__TAURI__,
        call('plugin:app|version'),
        call('plugin:window|title', { label: 'main' }),
        call('plugin:event|listen', { event: 'x', target: { kind: 'Any' }, handler: 0 }),
        call('plugin:fs|read_text_file', { path: '/etc/hostname' }),
        call('status'),
      ]);`);
    assert.equal(r[0], 'undefined', 'no global Tauri object');
    for (const [i, what] of ['app version', 'window title', 'event listen', 'file read'].entries()) {
      assert.match(r[i + 1], /^refused/, `${what}: ${r[i + 1]}`);
    }
    assert.equal(r[5], 'allowed');
    console.log(`# ${r.slice(1, 5).join('\n# ')}`);
    // The Content-Security-Policy is in force: no eval, no inline script.
    const csp = await session.run(`
      let evaluated;
      try { evaluated = eval('1 + 1') === 2; } catch { evaluated = false; }
      const s = document.createElement('script');
      s.textContent = 'window.__inlineRan = true';
      document.head.appendChild(s);
      return { evaluated, inline: window.__inlineRan === true };`);
    assert.deepEqual(csp, { evaluated: false, inline: false });
  });

  step('imports the sample file and shows the summary', async () => {
    await session.clickButton('Import');
    const input = await session.waitFor('input[type=file]');
    // WebDriver's own file upload (the path as keys); where the driver cannot, the same file
    // is given to the input through a DataTransfer, as a drop would.
    let chosen = false;
    try {
      await input.type(sample);
      chosen = await session.run('return document.querySelector("input[type=file]").files.length === 1');
    } catch {
      chosen = false;
    }
    if (chosen) {
      console.log('# file chosen through WebDriver file upload');
    } else {
      console.log('# file chosen through DataTransfer (the driver has no file upload)');
      await session.run(
        `const input = document.querySelector('input[type=file]');
         const dt = new DataTransfer();
         dt.items.add(new File([arguments[0]], 'sample-cases.csv', { type: 'text/csv' }));
         input.files = dt.files;
         input.dispatchEvent(new Event('change', { bubbles: true }));`,
        [readFileSync(sample, 'utf8')],
      );
    }
    await (await session.xpathAll("//section[contains(@class,'import')]//button[contains(@class,'primary')]"))[0].click();
    await session.waitFor('[data-testid=import-summary]', { text: 'Imported sample-cases.csv' });
    const tally = await session.run(
      `return [...document.querySelectorAll('table.tally tbody tr')].map((r) =>
         [...r.children].map((c) => c.textContent.trim()).join(' '))`,
    );
    assert.deepEqual(tally, ['Cases 5 0 0', 'Individuals 10 0 0']);
    // 5 cases and 10 people, and each person's exit-permit status recorded as a step.
    await session.waitFor('.status [data-testid=pending]', { text: '25' });
    await shot('import');
  });

  step('finds a name typed with a wrong diacritic, in three languages, by keyboard', async () => {
    await session.clickButton('Find a person');
    const input = await session.waitFor('.find input[type=search]');
    await input.clear();
    await input.type('Niyonzíma');
    const first = await session.waitFor('#hit-0', { text: 'NIYONZIMA' });
    assert.match(await first.text(), /KGL-2025-000104/);
    await shot('search-en');
    await setLanguage('fr');
    await session.waitFor('.find h1', { text: 'Trouver une personne' });
    await shot('search-fr');
    await setLanguage('es');
    await session.waitFor('.find h1', { text: 'Buscar a una persona' });
    await shot('search-es');
    await setLanguage('en');
    // Enter opens the highlighted person's case.
    await input.type(KEY.ENTER);
    await session.waitFor('.case h1', { text: 'KGL-2025-000104' });
    // The focus moves to the case, where the person works next (not lost at the top).
    const onCase = await until(() => session.run('return document.activeElement?.dataset.testid === "case-heading"'), 5000);
    assert.ok(onCase, 'the case heading has the focus');
  });

  step('shows the case: family, ages, documents, exit permit', async () => {
    const table = await session.waitFor('table.members', { text: 'IRAKOZE' });
    const text = await table.text();
    assert.match(text, /NIYONZIMA/);
    assert.match(text, /Denied/);
    assert.match(text, /RTD-000931/);
    assert.match(text, /Not received yet/);
    // Where each member stands, and what is missing, each a link to where it is done.
    const journey = await session.waitFor('[data-testid=journey]', { text: 'Registered' });
    assert.match(await journey.text(), /Identity check/);
    await shot('case');
    await setLanguage('fr');
    await session.waitFor('[data-testid=journey]', { text: 'Enregistré' });
    await shot('case-journey-fr');
    await setLanguage('es');
    await session.waitFor('[data-testid=journey]', { text: 'Registrado' });
    await shot('case-journey-es');
    await setLanguage('en');
  });

  step('refuses to hand a document to a person whose identity was not checked today', async () => {
    await openTab('custody');
    await session.waitFor('table.docs', { text: 'RTD-000931' });
    // Receive the document into the office safe first.
    await session.select('[data-testid=from-kind]', 'authority');
    await (await session.waitFor('[data-testid=from-text]')).type('UNHCR Kigali');
    await session.select('[data-testid=to-kind]', 'storage');
    await (await session.waitFor('[data-testid=to-text]')).type('Office safe');
    await (await session.waitFor('[data-testid=location]')).type('Transit centre, office 2');
    await session.clickButton('Record the transfer');
    await session.waitFor('.tabpanel .success', { text: 'Transfer recorded' });
    // Now hand it to Aline herself: refused, and the refusal says why.
    await session.select('[data-testid=to-kind]', 'individual');
    await session.select('[data-testid=to-person]', 'I-0001030');
    await session.clickButton('Record the transfer');
    const refusal = await errorText();
    assert.match(refusal, /has not passed an identity check at KGL-TC1/);
    await shot('custody-refused');
  });

  step('checks the document: a corrupted MRZ fails its check digit, the valid one matches', async () => {
    await openTab('check');
    await session.select('[data-testid=check-person]', 'I-0001030');
    const mrz = await session.waitFor('textarea.mrz');
    await mrz.type(CORRUPTED[0] + KEY.ENTER + CORRUPTED[1]);
    await session.clickButton('Read and compare');
    await session.waitFor('.digits li.bad', { text: 'Date of birth' });
    await session.waitFor('.tabpanel .error', { text: 'check digit does not match' });
    assert.equal(await (await session.find('input[type=radio][value=verified]')).enabled(), false);
    await shot('check-corrupted');

    await mrz.clear();
    await mrz.type(VALID[0] + KEY.ENTER + VALID[1]);
    await session.clickButton('Read and compare');
    await session.waitFor('.tabpanel .success', { text: 'agrees with the record' });
    assert.equal((await session.findAll('.digits li.bad')).length, 0);
    await shot('check-valid');
    await session.clickButton('Record the check');
    await session.waitFor('.tabpanel .success', { text: 'Check recorded' });
  });

  step('hands the document over once the identity was checked', async () => {
    await openTab('custody');
    await session.select('[data-testid=to-kind]', 'individual');
    await session.select('[data-testid=to-person]', 'I-0001030');
    await (await session.waitFor('[data-testid=location]')).type('Transit centre, office 2');
    await session.clickButton('Record the transfer');
    await session.waitFor('.tabpanel .success', { text: 'Transfer recorded' });
    const chain = await session.waitFor('ol.chain');
    assert.equal((await session.findAll('ol.chain li')).length, 2);
    assert.match(await chain.text(), /NIYONZIMA/i);
    await shot('custody-handed-over');
  });

  step('records counselling for the family; complete only with every mandatory topic', async () => {
    await openTab('counselling');
    await session.waitFor('fieldset.topics', { text: 'mandatory' });
    await shot('counselling-en');
    await setLanguage('fr');
    await session.waitFor('fieldset.topics', { text: 'obligatoire' });
    await shot('counselling-fr');
    await setLanguage('es');
    await session.waitFor('fieldset.topics', { text: 'obligatorio' });
    await shot('counselling-es');
    await setLanguage('en');
    const complete = await session.button('Save as complete');
    assert.equal(await complete.enabled(), false, 'not complete before the mandatory topics');
    for (const box of await session.findAll('fieldset.topics input[data-mandatory=true]')) await box.click();
    await (await session.waitFor('[data-testid=interpreter]')).type('J. Interpreter');
    assert.ok(await until(() => complete.enabled(), 5000), 'complete once every mandatory topic is ticked');
    await complete.click();
    await session.waitFor('.tabpanel .success', { text: 'recorded as complete' });
    // After a save the focus is on its confirmation (a screen reader says it), not lost.
    const onSaved = await until(() => session.run('return document.activeElement?.classList.contains("success") === true'), 5000);
    assert.ok(onSaved, 'the confirmation has the focus');
    await shot('counselling-saved');
  });

  step('adds WCHC and MEDA to a person', async () => {
    await openTab('needs');
    await session.select('[data-testid=needs-person]', 'I-0001031');
    // The SSR table is loaded (Enter picks its first match).
    await session.waitFor('ul.picker li', { text: 'WCHC' });
    const find = await session.waitFor('[data-testid=ssr-filter]');
    await find.type('wchc' + KEY.ENTER);
    await find.type('meda' + KEY.ENTER);
    const chosen = await session.waitFor('ul.chosen', { text: 'MEDA' });
    assert.match(await chosen.text(), /WCHC/);
    await session.clickButton('Save special needs');
    await session.waitFor('.tabpanel .success', { text: 'Saved' });
    await shot('special-needs');
    await openTab('overview');
    await session.waitFor('[data-testid=history]', { text: 'Counselling complete' });
    await shot('case-today');
  });

  step('shows the conflicts screen (nothing to review before any sync)', async () => {
    await session.clickButton('Conflicts');
    await session.waitFor('[data-testid=no-conflicts]');
    await session.waitFor('.status [data-testid=conflicts]', { text: '0' });
    await shot('conflicts');
  });

  step('says a problem of a row in French and Spanish', async () => {
    // The sample with one date of birth that is no date: the file is rejected, nothing saved.
    const [header, first] = readFileSync(sample, 'utf8').split('\n');
    const column = header.split(',').indexOf('date_of_birth');
    const bad = first.split(',').map((v, i) => (i === column ? '1979-13-45' : v)).join(',');
    // The core sends the problem as a code; the window words it.
    const expected = { fr: "« 1979-13-45 » n'est pas un jour du calendrier", es: '«1979-13-45» no es un día del calendario' };
    const pending = await (await session.waitFor('.status [data-testid=pending]')).text();
    await session.clickButton('Import');
    for (const l of ['fr', 'es']) {
      await setLanguage(l);
      await chooseFile('problem-row.csv', `${header}\n${bad}\n`);
      await (await session.xpathAll("//section[contains(@class,'import')]//button[contains(@class,'primary')]"))[0].click();
      await session.waitFor('[data-testid=import-summary]', { text: 'problem-row.csv' });
      const problems = await session.run(`return [...document.querySelectorAll('table.issues tbody tr')].map((r) => r.textContent).join(' | ')`);
      assert.match(problems, /1979-13-45/, 'the problem row is listed');
      assert.ok(problems.includes(expected[l]), `${l}: ${problems}`);
      assert.doesNotMatch(problems, /is not a day|calendar\b/, 'not the English');
      await shot(`import-row-problem-${l}`);
    }
    await setLanguage('en');
    assert.equal(await (await session.waitFor('.status [data-testid=pending]')).text(), pending);
  });

  step('says an import problem in French and Spanish', async () => {
    const [header, first] = readFileSync(sample, 'utf8').split('\n');
    // The sample's rows separated by semicolons: a file the import cannot read at all.
    const semicolons = [header, first].map((l) => l.replaceAll(',', ';')).join('\n');
    const expected = {
      fr: "les colonnes ne sont pas séparées par des virgules",
      es: 'las columnas no están separadas por comas',
    };
    const pending = await (await session.waitFor('.status [data-testid=pending]')).text();
    await session.clickButton('Import');
    for (const l of ['fr', 'es']) {
      await setLanguage(l);
      await chooseFile('semicolons.csv', semicolons);
      await (await session.xpathAll("//section[contains(@class,'import')]//button[contains(@class,'primary')]"))[0].click();
      // The import screen's own alert (not the rejected summary's, which the new file hid).
      const error = await (await session.waitFor('section.import > p.error[role=alert]')).text();
      assert.ok(error.includes(expected[l]), `${l}: ${error}`);
      assert.doesNotMatch(error, /not separated|could not/, 'not the English');
      await shot(`import-problem-${l}`);
    }
    await setLanguage('en');
    // Nothing was saved.
    assert.equal(await (await session.waitFor('.status [data-testid=pending]')).text(), pending);
  });

  step('says a refusal of the role in French and Spanish', async () => {
    // A field assistant, added by the supervisor with the CLI, may not import.
    execFileSync(cliBin, ['--data-dir', dataDir, 'staff', 'add', ASSISTANT, '--role', 'field_assistant'], {
      env: { ...process.env, ...unlockEnv, WAYPOINT_NEW_PIN: ASSISTANT_PIN },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    await (await session.waitFor('[data-testid=lock]')).click();
    await session.waitFor('[data-testid=locked]');
    await signIn(ASSISTANT_PIN, { name: ASSISTANT });
    await session.waitFor('.find input[type=search]', { timeout: 20_000 });
    // The core says it as a code with the role and the action, which the window words.
    const failure = await session.run(
      `return window.__TAURI_INTERNALS__.invoke('resolve_conflict', { resolution: { id: 'c-1', value: null } }).then(() => null, (e) => e)`,
    );
    assert.equal(failure?.kind, 'not_allowed', JSON.stringify(failure));
    assert.deepEqual(failure.code, { code: 'not_allowed', params: { role: 'field_assistant', action: 'resolve_conflict' } });
    const expected = { fr: 'Votre rôle (assistant', es: 'Su rol (asistente' };
    await session.clickButton('Import');
    for (const l of ['fr', 'es']) {
      await setLanguage(l);
      const text = await until(async () => {
        const t = await pageText();
        return t.includes(expected[l]) ? t : null;
      }, 5000);
      assert.ok(text, `${l}: the refusal is worded`);
      assert.doesNotMatch(text, /may not import/);
      await shot(`refusal-${l}`);
    }
    await setLanguage('en');
    await (await session.waitFor('[data-testid=lock]')).click();
    await session.waitFor('[data-testid=locked]');
    await signIn(PIN, { name: STAFF });
    await session.waitFor('.find input[type=search]', { timeout: 20_000 });
  });

  step('locks with the Lock button and Ctrl+L: nothing of the store shown; unlocking needs the PIN', async () => {
    await session.clickButton('Find a person');
    const input = await session.waitFor('.find input[type=search]');
    await input.clear();
    await input.type('Niyonzima');
    await session.waitFor('#hit-0', { text: 'NIYONZIMA' });
    await (await session.waitFor('[data-testid=lock]')).click();
    await session.waitFor('[data-testid=locked]');
    await session.waitFor('[data-testid=lock-reason]', { text: 'was locked' });
    assert.doesNotMatch(await pageText(), /NIYONZIMA|KGL-2025|RTD-000931/, 'nothing of the store on the lock screen');
    // The name is kept; the PIN field has the focus.
    assert.equal(await (await session.find('[data-testid=signin-name]')).property('value'), STAFF);
    assert.ok(await until(() => session.run('return document.activeElement?.dataset.testid === "signin-pin"'), 5000));
    const refused = await session.run(
      `return window.__TAURI_INTERNALS__.invoke('search', { query: 'Niyonzima', limit: 5 }).then((r) => 'allowed: ' + r.length, (e) => e.kind + ': ' + e.message)`,
    );
    assert.match(refused, /^locked: /);
    await shot('locked');
    // A wrong PIN says how many tries are left before the key is erased.
    await signIn('not-the-pin-1');
    await session.waitFor('[data-testid=signin-problem]', { text: '4 more wrong PIN' });
    await shot('locked-wrong-pin');
    await signIn(PIN);
    const again = await session.waitFor('.find input[type=search]', { timeout: 20_000 });
    assert.equal(await again.property('value'), '', 'the last search is not kept across a lock');
    await again.type('Niyonzima');
    await session.waitFor('#hit-0', { text: 'NIYONZIMA' });
    // Ctrl+L from the keyboard, then unlock again.
    await again.type('\uE009l\uE000');
    await session.waitFor('[data-testid=locked]');
    await signIn(PIN);
    await session.waitFor('.find input[type=search]', { timeout: 20_000 });
  });

  // ---- bookings, their warnings and the ABN in the window --------------------------------

  /** Gives a box a value as a person's typing or picking does (datetime-local boxes too). */
  async function setValue(css, value, index = 0) {
    const ok = await session.run(
      `const el = document.querySelectorAll(arguments[0])[arguments[2]];
       if (!el) return false;
       el.value = arguments[1];
       el.dispatchEvent(new Event('input', { bubbles: true }));
       el.dispatchEvent(new Event('change', { bubbles: true }));
       return true;`,
      [css, value, index],
    );
    assert.ok(ok, `no ${css} #${index}`);
  }

  /** Brings a part of a long screen into the window before a screenshot. */
  async function scrollTo(css) {
    await session.run(`document.querySelector(arguments[0])?.scrollIntoView({ block: 'start' })`, [css]);
  }

  step('makes a booking in the window: flights in local time, its warnings where it is made', async () => {
    await session.clickButton('Find a person');
    const input = await session.waitFor('.find input[type=search]');
    await input.clear();
    await input.type('Irakoze');
    await session.waitFor('#hit-0', { text: 'IRAKOZE' });
    await input.type(KEY.ENTER);
    await session.waitFor('.case h1', { text: 'KGL-2025-000104' });
    await session.waitFor('[data-testid=case-bookings]', { text: 'No booking' });
    await (await session.waitFor('[data-testid=new-booking]')).click();
    await session.waitFor('[data-testid=booking-heading]', { text: 'New booking for case KGL-2025-000104' });
    for (const no of ['I-0001030', 'I-0001031']) await (await session.waitFor(`[data-testid=booking-travellers] input[value="${no}"]`)).click();
    await setValue('[data-testid=record-locator]', 'QX7K2M');
    await setValue('[data-testid=booking-abn]', 'ABN-26-0104');
    // Kigali to Brussels through Addis Ababa, 30 minutes to change planes; each time as the
    // airport's clocks show it.
    const flights = [
      ['ET', '813', 'KGL', 'ADD', '2026-12-14T14:45', '2026-12-14T18:50'],
      ['ET', '726', 'ADD', 'BRU', '2026-12-14T19:20', '2026-12-15T05:55'],
    ];
    for (const [i, f] of flights.entries()) {
      if (i > 0) await (await session.waitFor('[data-testid=add-segment]')).click();
      await session.waitFor(`[data-testid=booking-segments] .segment-row:nth-of-type(${i + 1})`);
      for (const [k, css] of ['carrier', 'flight-no', 'from', 'to', 'departs', 'arrives'].entries()) {
        await setValue(`[data-testid=${css}]`, f[k], i);
      }
    }
    // Kevin's special needs (WCHC, MEDA from an earlier step) are his SSR codes on each flight.
    const ssr = await session.waitFor('[data-testid=booking-ssr]', { text: 'SSR' });
    const boxes = await session.run(`return [...document.querySelectorAll('[data-testid=booking-ssr] input')].map((i) => i.value)`);
    assert.deepEqual(boxes, ['', '', 'WCHC MEDA', 'WCHC MEDA'], await ssr.text());
    await (await session.waitFor('[data-testid=save-booking]')).click();
    await session.waitFor('[data-testid=booking-saved]', { text: 'saved' });
    const onSaved = await until(() => session.run('return document.activeElement?.dataset.testid === "booking-saved"'), 5000);
    assert.ok(onSaved, 'the confirmation has the focus');
    const warnings = await session.waitFor('[data-testid=booking-warnings]', { text: 'The connection at ADD' });
    const text = await warnings.text();
    assert.match(text, /from flight 1 to flight 2 is 30 minutes/);
    assert.match(text, /no medical escort/);
    const itinerary = await (await session.waitFor('[data-testid=itinerary]')).text();
    assert.match(itinerary, /Africa\/Kigali \(UTC\+02:00\)/);
    assert.match(itinerary, /Africa\/Addis_Ababa \(UTC\+03:00\)/);
    assert.match(itinerary, /Europe\/Brussels \(UTC\+01:00\)/);
    // The times as typed: local to each airport, never shifted by the laptop's zone.
    const shown = await session.run(`return [...document.querySelectorAll('[data-testid=departs-local]')].map((e) => e.innerText)`);
    assert.match(shown[0], /2:45/);
    assert.match(shown[1], /7:20/);
    await scrollTo('[data-testid=booking-saved]');
    await shot('booking-en');
    await setLanguage('fr');
    await session.waitFor('[data-testid=booking-warnings]', { text: 'La correspondance à ADD' });
    await scrollTo('[data-testid=booking-saved]');
    await shot('booking-fr');
    await setLanguage('es');
    await session.waitFor('[data-testid=booking-warnings]', { text: 'La conexión en ADD' });
    await scrollTo('[data-testid=booking-saved]');
    await shot('booking-es');
    await setLanguage('en');
    await scrollTo('[data-testid=booking-heading]');
    await shot('booking-form');
  });

  step('a supervisor acknowledges a warning with the reason; it stays listed, acknowledged', async () => {
    const reason = '[data-key^="short_connection"] [data-testid=warning-reason]';
    await setValue(reason, 'Same terminal in ADD; the airline confirmed the connection');
    await (await session.waitFor('[data-key^="short_connection"] [data-testid=acknowledge]')).click();
    const done = await session.waitFor('[data-testid=acknowledged]', { text: 'Acknowledged by E2E Officer' });
    assert.match(await done.text(), /the airline confirmed the connection/);
    const focused = await until(() => session.run('return document.activeElement?.dataset.testid === "acknowledged"'), 5000);
    assert.ok(focused, 'the acknowledgement has the focus');
    await shot('booking-acknowledged');
  });

  step('opens the ABN: travellers, SSR codes per flight, local times; saves its PDF', async () => {
    await scrollTo('[data-testid=booking-heading]');
    await (await session.waitFor('[data-testid=open-abn]')).click();
    await session.waitFor('[data-testid=abn-heading]', { text: 'ABN ABN-26-0104' });
    await session.waitFor('[data-testid=abn-state]', { text: 'Not issued yet' });
    const page = await pageText();
    assert.match(page, /IRAKOZE, Kevin/);
    assert.match(page, /Africa\/Kigali \(UTC\+02:00\)/);
    await shot('abn-en');
    await session.select('[data-testid=abn-paper]', 'letter');
    await (await session.waitFor('[data-testid=save-abn-pdf]')).click();
    const saved = await session.waitFor('[data-testid=abn-saved]', { text: 'Version 1 (Issued) saved as', timeout: 30_000 });
    const path = (await saved.text()).split(' saved as ')[1].trim();
    assert.ok(readFileSync(path).subarray(0, 4).equals(Buffer.from('%PDF')), `${path} is a PDF`);
    await session.waitFor('[data-testid=abn-state]', { text: 'Version 1' });
    await shot('abn-saved');
    await setLanguage('fr');
    await session.waitFor('[data-testid=abn-state]', { text: 'Version 1 (Émise)' });
    await shot('abn-fr');
    await setLanguage('es');
    await session.waitFor('[data-testid=abn-state]', { text: 'Versión 1' });
    await shot('abn-es');
    await setLanguage('en');
  });

  step('the case shows its journey and its booking, in three languages', async () => {
    await session.clickButton('Case KGL-2025-000104');
    await session.waitFor('[data-testid=case-booking]', { text: 'Confirmed' });
    await scrollTo('[data-testid=journey]');
    await shot('case-bookings-en');
    await setLanguage('fr');
    await session.waitFor('[data-testid=case-booking]', { text: 'Confirmée' });
    await scrollTo('[data-testid=journey]');
    await shot('case-bookings-fr');
    await setLanguage('es');
    await session.waitFor('[data-testid=case-booking]', { text: 'Confirmada' });
    await scrollTo('[data-testid=journey]');
    await shot('case-bookings-es');
    await setLanguage('en');
  });

  step('finding the ABN number opens the ABN', async () => {
    await session.clickButton('Find a person');
    const input = await session.waitFor('.find input[type=search]');
    await input.clear();
    await input.type('abn-26-0104');
    await session.waitFor('[data-testid=find-open-abn]', { text: 'Open ABN ABN-26-0104' });
    await shot('find-abn');
    await input.type(KEY.ENTER);
    await session.waitFor('[data-testid=abn-heading]', { text: 'ABN ABN-26-0104' });
    await session.waitFor('[data-testid=abn-state]', { text: 'Version 1' });
  });

  // The case's history and its journey forms.
  step('records an exit-permit step and a hold in the window and sees them in the history', async () => {
    await session.clickButton('Find a person');
    const input = await session.waitFor('.find input[type=search]');
    await input.clear();
    await input.type('Niyonzima');
    await session.waitFor('#hit-0', { text: 'NIYONZIMA' });
    await input.type(KEY.ENTER);
    await session.waitFor('.case h1', { text: 'KGL-2025-000104' });
    // What was recorded earlier in the run is in the history, not only today's.
    await session.waitFor('[data-testid=history]', { text: 'Counselling complete' });

    await session.select('[data-testid=permit-person]', 'I-0001031');
    await session.select('[data-testid=permit-step]', 'submitted');
    await (await session.waitFor('[data-testid=permit-authority]')).type('DGIE Kigali');
    await (await session.waitFor('[data-testid=permit-save]')).click();
    await session.waitFor('[data-testid=exit-permit-step] ~ .success', { text: 'Exit-permit step recorded.' });
    const onPermitSaved = await until(() => session.run('return document.activeElement?.classList.contains("success") === true'), 5000);
    assert.ok(onPermitSaved, 'the confirmation of the step has the focus');
    await session.waitFor('[data-testid=history] li:first-child', { text: 'Exit permit: Submitted' });
    await session.waitFor('[data-testid=history] li:first-child', { text: 'Submitted to DGIE Kigali' });

    await session.select('[data-testid=journey-whom]', 'I-0001031');
    await session.select('[data-testid=journey-reason]', 'medical_clearance');
    await (await session.waitFor('[data-testid=journey-text]')).type('Waiting for the fit-to-fly certificate');
    await (await session.waitFor('[data-testid=journey-save]')).click();
    await session.waitFor('[data-testid=journey-actions] ~ .success', { text: 'Journey put on hold.' });
    const onHoldSaved = await until(() => session.run('return document.activeElement?.classList.contains("success") === true'), 5000);
    assert.ok(onHoldSaved, 'the confirmation of the hold has the focus');
    const first = await session.waitFor('[data-testid=history] li:first-child', { text: 'Journey on hold: Medical clearance' });
    assert.match(await first.text(), /Waiting for the fit-to-fly certificate/);
    assert.match(await first.text(), new RegExp(`by ${STAFF}`));
    await session.waitFor('[data-testid=journey]', { text: 'On hold' });
    // The forms and the newest entries of the history on one screen.
    await session.run(`document.querySelector('.tabpanel .form-grid').scrollIntoView({ block: 'start' }); return true;`);
    await shot('case-history-en');
  });

  step('shows the case history and its forms in French and Spanish', async () => {
    const expected = {
      fr: ['Parcours suspendu : Autorisation médicale', 'Enregistrer une étape du permis de sortie'],
      es: ['Trayecto en espera: Autorización médica', 'Registrar un paso del permiso de salida'],
    };
    for (const l of ['fr', 'es']) {
      await setLanguage(l);
      const [entry, form] = expected[l];
      await session.waitFor('[data-testid=history] li:first-child', { text: entry });
      await session.waitFor('[data-testid=exit-permit-step] legend', { text: form });
      const text = await pageText();
      assert.doesNotMatch(text, /Journey on hold|Record an exit-permit step/, `${l}: not the English`);
      await session.run(`document.querySelector('.tabpanel .form-grid').scrollIntoView({ block: 'start' }); return true;`);
      await shot(`case-history-${l}`);
    }
    await setLanguage('en');
  });

  step('the records are in the store, as `waypoint export` shows', async () => {
    await session.end();
    session = null;
    const dump = execFileSync(cliBin, ['--data-dir', dataDir, 'export'], {
      encoding: 'utf8',
      env: { ...process.env, ...unlockEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines = dump.trim().split('\n').map((l) => JSON.parse(l));
    const kevin = lines.find((l) => l.type === 'individual' && l.individual_no === 'I-0001031');
    assert.equal(kevin.ssr_codes, 'WCHC;MEDA');
    const events = lines.filter((l) => l.type === 'event' && l.case_no === 'KGL-2025-000104');
    const kinds = events.map((e) => e.kind);
    const checks = events.filter((e) => e.kind === 'identity_check');
    assert.equal(checks.length, 1, kinds.join(','));
    assert.equal(checks[0].payload.individual_no, 'I-0001030');
    assert.equal(checks[0].payload.outcome.result, 'verified');
    assert.equal(checks[0].payload.checked_by, 'E2E Officer');
    const transfers = events.filter((e) => e.kind === 'custody_transfer').map((e) => e.payload);
    assert.equal(transfers.length, 2, 'the refused hand-over left no record');
    assert.deepEqual(transfers[1].to, { kind: 'individual', individual_no: 'I-0001030' });
    const sessions = events.filter((e) => e.kind === 'counselling_session').map((e) => e.payload);
    assert.equal(sessions.length, 1);
    assert.equal(sessions[0].complete, true);
    assert.deepEqual([...sessions[0].attendees].sort(), ['I-0001030', 'I-0001031']);
    assert.equal(sessions[0].interpreter, 'J. Interpreter');
    console.log(`# ${shots} screenshots in ${out}`);
  });

  step('locks by itself after the idle time (WAYPOINT_IDLE_SECONDS=4)', async () => {
    await stopDriver();
    driver = await startDriver({ WAYPOINT_IDLE_SECONDS: '4' });
    session = await Session.start(DRIVER, {
      alwaysMatch: { browserName: 'wry', 'tauri:options': { application: appBin } },
    });
    await session.waitFor('[data-testid=signin]', { timeout: 20_000 });
    await signIn(PIN, { name: STAFF });
    await session.waitFor('.find input[type=search]', { timeout: 20_000 });
    const signedAt = Date.now();
    // Nobody touches anything: the app locks by itself.
    await session.waitFor('[data-testid=locked]', { timeout: 20_000 });
    const after = Date.now() - signedAt;
    console.log(`# locked by itself ${after} ms after the sign-in (idle time 4 s)`);
    assert.ok(after >= 3000, `locked too early: ${after} ms`);
    await session.waitFor('[data-testid=lock-reason]', { text: 'without activity' });
    await shot('locked-idle');
    await session.end();
    session = null;
    await stopDriver();
  });

  step('nothing personal in what the app printed, nor in the web view\'s data and caches', async () => {
    const secrets = [...personalStrings(), PIN];
    assert.ok(secrets.length > 20, `${secrets.length} strings to look for`);
    const log = driverLog.join('');
    console.log(`# ${log.length} characters printed by the app and the drivers; ${secrets.length} strings looked for`);
    const inLog = secrets.filter((s) => log.includes(s));
    assert.deepEqual(inLog, [], `the app or a driver printed personal data or the PIN:\n${log.slice(0, 4000)}`);
    // The web view's storage and caches (XDG data, cache and configuration of the app), as
    // bytes in UTF-8 and UTF-16.
    const files = [];
    const walk = (dir) => {
      let entries = [];
      try {
        entries = readdirSync(dir);
      } catch {
        return;
      }
      for (const e of entries) {
        const p = join(dir, e);
        const st = statSync(p, { throwIfNoEntry: false });
        if (st?.isDirectory()) walk(p);
        else if (st?.isFile()) files.push(p);
      }
    };
    walk(homeDir);
    console.log(`# ${files.length} files under the app's XDG directories`);
    const found = [];
    for (const f of files) {
      // WebKit replaces some of its files while it runs (its storage's `origin`): one gone since
      // the walk has a successor written after it, which this run does not read.
      let bytes;
      try {
        bytes = readFileSync(f);
      } catch (e) {
        if (e.code === 'ENOENT') continue;
        throw e;
      }
      for (const s of secrets) {
        if (bytes.includes(Buffer.from(s, 'utf8')) || bytes.includes(Buffer.from(s, 'utf16le'))) found.push(`${f}: ${s.length} chars`);
      }
    }
    assert.deepEqual(found, [], 'personal data in the web view\'s files');
  });
});
