// Keystroke-to-results in the real window, with a large synthetic store: the time from the
// search box's input event to the results being in the page (the UI's IPC call, the core's
// search, Svelte's update), measured in the page with performance.now(). Also app start to a
// sign-in screen (from asking tauri-driver for a session, which launches the app), sign-in
// (the PIN stretched by Argon2id, the store opened) to a usable search box, and start to the
// first results (the first search waits
// for the index the app builds at start, off the store). Not part of the regular E2E run:
// scripts/bench-desktop runs it.
//
//   LATENCY_INDIVIDUALS  how many people the store holds (default 100000)
//   WAYPOINT_DESKTOP_BIN, WAYPOINT_CLI_BIN, TAURI_DRIVER  as for desktop.test.mjs

import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { KEY, Session, setRequestTimeout, until } from './webdriver.mjs';

const root = resolve(import.meta.dirname, '..', '..');
const target = process.env.CARGO_TARGET_DIR ?? join(root, 'target');
const appBin = process.env.WAYPOINT_DESKTOP_BIN ?? join(target, 'debug', 'waypoint-desktop');
const cliBin = process.env.WAYPOINT_CLI_BIN ?? join(target, 'debug', 'waypoint');
const individuals = Number(process.env.LATENCY_INDIVIDUALS ?? 100_000);
const PORT = 4446;

// Obviously fake names from syllables; four people a case.
const SYL = ['ba', 'ka', 'ma', 'na', 'ri', 'so', 'tu', 'la', 'mi', 'ze', 'do', 'ha', 'ni', 'yo', 'fe', 'gu'];
const name = (n, parts) => {
  let s = '';
  for (let i = 0; i < parts; i++) {
    s += SYL[n % SYL.length];
    n = Math.floor(n / SYL.length);
  }
  return s;
};
const NATIONALITIES = ['COD', 'SYR', 'ERI', 'BDI', 'AFG', 'SOM', 'SSD', 'VEN'];
const REL = ['PA', 'SP', 'CH', 'CH'];

function csv(count) {
  const header =
    'case_no,individual_no,relationship,family_name,given_names,sex,date_of_birth,nationality,site,programme,document_type,document_no';
  const rows = [header];
  for (let i = 0; i < count; i++) {
    const c = Math.floor(i / 4);
    const family = name(c * 7919 + 13, 4).toUpperCase();
    const given = name(i * 104729 + 7, 3);
    const g = given[0].toUpperCase() + given.slice(1);
    rows.push(
      [
        `TST-2025-${String(c).padStart(6, '0')}`,
        `T-${String(i).padStart(7, '0')}`,
        REL[i % 4],
        family,
        g,
        i % 2 ? 'F' : 'M',
        i % 4 < 2 ? String(1960 + (i % 40)) : `${2005 + (i % 15)}-0${1 + (i % 9)}-1${i % 10}`,
        NATIONALITIES[c % NATIONALITIES.length],
        'TST-TC1',
        'USRAP',
        'PASSPORT',
        `P${String(i).padStart(8, '0')}`,
      ].join(','),
    );
  }
  return { text: rows.join('\n') + '\n', family: (c) => name(c * 7919 + 13, 4).toUpperCase() };
}

let driver;
let session;
let dir;
let started;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'waypoint-latency-'));
  const file = join(dir, 'people.csv');
  writeFileSync(file, csv(individuals).text);
  // The store is encrypted: the CLI and the app unlock it with this PIN and device secret.
  const unlockEnv = { WAYPOINT_STAFF: 'Bench', WAYPOINT_PIN: 'bench-pin-4826', WAYPOINT_SECRET_FILE: join(dir, 'device-secret') };
  const t0 = Date.now();
  execFileSync(cliBin, ['--data-dir', join(dir, 'store'), 'import', file], { stdio: 'ignore', env: { ...process.env, ...unlockEnv } });
  console.log(`# imported ${individuals} synthetic individuals in ${Date.now() - t0} ms (CLI)`);
  driver = spawn(process.env.TAURI_DRIVER ?? 'tauri-driver', ['--port', String(PORT), '--native-port', String(PORT + 1)], {
    // The app takes no name or PIN from the environment: the test signs in on its screen.
    env: { ...process.env, WAYPOINT_SECRET_FILE: unlockEnv.WAYPOINT_SECRET_FILE, WAYPOINT_DATA_DIR: join(dir, 'store') },
    stdio: 'ignore',
  });
  const base = `http://127.0.0.1:${PORT}`;
  const up = await until(async () => fetch(`${base}/status`).then((r) => r.ok, () => false), 20_000, 200);
  assert.ok(up, 'tauri-driver did not start');
  started = Date.now();
  session = await Session.start(base, { alwaysMatch: { browserName: 'wry', 'tauri:options': { application: appBin } } });
  const nameBox = await session.waitFor('[data-testid=signin-name]', { timeout: 20_000 });
  console.log(`# app start to the sign-in screen: ${Date.now() - started} ms`);
  await nameBox.type(unlockEnv.WAYPOINT_STAFF);
  await (await session.find('[data-testid=signin-pin]')).type(unlockEnv.WAYPOINT_PIN + KEY.ENTER);
  const signedAt = Date.now();
  await session.waitFor('.find input[type=search]', { timeout: 20_000 });
  const focused = await until(
    async () => session.run(`return document.activeElement?.matches('.find input[type=search]') ?? false`),
    20_000,
    20,
  );
  assert.ok(focused, 'the search box is not focused at start');
  console.log(`# sign-in to a usable (focused) search box: ${Date.now() - signedAt} ms`);
  console.log(`# app start to a usable (focused) search box, signing in on the way: ${Date.now() - started} ms`);
});

after(async () => {
  try {
    await session?.end();
  } catch {
    // already gone
  }
  driver?.kill();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it(`keystroke to results with ${individuals} individuals`, { timeout: 300_000 }, async () => {
  const { family } = csv(0);
  const cases = Math.floor(individuals / 4);
  const queries = [];
  for (let k = 0; k < 200; k++) {
    const c = (k * 7873) % cases;
    const f = family(c);
    // A family name as typed, a prefix while typing, a case number, and a one-letter typo.
    const kind = k % 4;
    const q =
      kind === 0 ? f : kind === 1 ? f.slice(0, 5) : kind === 2 ? `TST-2025-${String(c).padStart(6, '0')}` : f.slice(0, 3) + 'x' + f.slice(4);
    // With a one-letter typo, many synthetic names are as close as the intended one: any
    // results will do (the previous query, a case number, showed other people).
    const expect = kind === 1 ? f.slice(0, 5) : kind === 2 ? `TST-2025-${String(c).padStart(6, '0')}` : kind === 3 ? '*' : f;
    queries.push({ q, expect });
  }
  // The app builds its search index when it starts: wait for the first answer, then measure.
  await session.scriptTimeout(130_000);
  setRequestTimeout(140_000);
  const warm = await session.run(MEASURE, [family(1), family(1), 120_000]);
  assert.ok(warm >= 0, 'no first answer within 2 minutes');
  console.log(`# first search (waits for the index built at start): ${warm.toFixed(0)} ms`);
  console.log(`# app start to the first results: ${Date.now() - started} ms`);
  setRequestTimeout(30_000);
  const times = [];
  for (const { q, expect } of queries) {
    const ms = await session.run(MEASURE, [q, expect]);
    if (ms < 0) {
      const shown = await session.run(`return document.querySelector('.find')?.innerText.slice(0, 400)`);
      assert.fail(`no result for ${q} (expected ${expect}); the page shows: ${shown}`);
    }
    times.push(ms);
  }
  times.sort((a, b) => a - b);
  const pct = (p) => times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))];
  console.log(
    `# keystroke to results, ${times.length} queries: p50 ${pct(50).toFixed(1)} ms, p95 ${pct(95).toFixed(1)} ms, max ${times.at(-1).toFixed(1)} ms`,
  );
});

// In the page: type the query (one input event, as a keystroke makes), then resolve when the
// results show the expected text, or -1 after `limit` ms (5 s).
const MEASURE = `
  const [q, expect, limit = 5000] = arguments;
  const input = document.querySelector('.find input[type=search]');
  return new Promise((done) => {
    const t0 = performance.now();
    const ready = () => {
      const list = document.querySelector('#hits');
      if (expect === '') return true;
      if (!list) return false;
      return expect === '*' || list.textContent.toUpperCase().includes(expect.toUpperCase());
    };
    const obs = new MutationObserver(() => {
      if (ready()) { obs.disconnect(); done(performance.now() - t0); }
    });
    obs.observe(document.querySelector('.find'), { childList: true, subtree: true, characterData: true });
    setTimeout(() => { obs.disconnect(); done(expect === '' ? 0 : -1); }, limit);
    input.value = q;
    input.dispatchEvent(new Event('input', { bubbles: true }));
  });`;
