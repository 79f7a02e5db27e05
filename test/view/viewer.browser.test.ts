/**
 * The HTML trace viewer in a real headless Chromium (Debian's chromium through puppeteer-core):
 * the seed race's counterexample page (`check --html`) and a hand-made lasso (`view`), opened from
 * file://. A missing browser fails these tests (.ci/run installs it).
 */
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, ROOT } from '../cli/helpers.js';
import { launchBrowser, openFile } from './browser.js';

const OUT = resolve(ROOT, 'out/view');
const SEED = 'tdx/2m-vs-4k/cas-then-seamcall';

interface ItfDoc {
  '#meta': Record<string, unknown>;
  states: Record<string, unknown>[];
  loop?: number;
}

/** Returns `{ 't1[0]': '0x...' }` for every table entry of an ITF state of the MMU. */
function itfWords(state: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, t] of (state['tables'] as { '#map': [string, { sptes: { '#bigint': string }[] }][] })['#map']) {
    t.sptes.forEach((w, i) => (out[`${name}[${i}]`] = `0x${BigInt(w['#bigint']).toString(16)}`));
  }
  return out;
}

/** Returns the entries the page's state panel shows: `{ 't1[0]': '0x...' }`. */
async function pageWords(page: Page): Promise<Record<string, string>> {
  return page.$$eval('#page-tables [data-entry]', (els) => Object.fromEntries(els.map((e) => [e.getAttribute('data-entry')!, e.getAttribute('data-word')!])));
}

async function selected(page: Page): Promise<number> {
  return Number(await page.$eval('body', (b) => b.getAttribute('data-selected')));
}

describe('HTML trace viewer in headless Chromium', () => {
  // Started by the first test that needs it: without a browser every test fails (none is skipped).
  let started: Promise<Browser> | undefined;
  const browser = (): Promise<Browser> => (started ??= launchBrowser());
  let seed: ItfDoc;
  const seedHtml = join(OUT, 'seed.html');
  const lassoHtml = join(OUT, 'lasso.html');

  beforeAll(async () => {
    mkdirSync(OUT, { recursive: true });
    const r = cli(['check', SEED, '--itf', join(OUT, 'seed.itf.json'), '--html', seedHtml, '--quiet']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    seed = JSON.parse(readFileSync(join(OUT, 'seed.itf.json'), 'utf8')) as ItfDoc;
    const v = cli(['view', 'test/view/fixtures/lasso.itf.json', '-o', lassoHtml]);
    expect(v.code).toBe(0);
  });
  afterAll(async () => {
    if (started) await (await started.catch(() => undefined))?.close();
  });

  it('the seed counterexample opens from file:// with no console errors and no network request', async () => {
    const { page, errors, network } = await openFile(await browser(), seedHtml);
    expect(await page.$eval('h1', (h) => h.textContent)).toBe(SEED);
    expect(await page.$$eval('#lanes .step', (b) => b.length)).toBeGreaterThan(0);
    expect(errors).toEqual([]);
    expect(network).toEqual([]);
    await page.close();
  });

  it('shows one lane per thread (and the TDX module) and one box per step, in its thread', async () => {
    const { page } = await openFile(await browser(), seedHtml);
    const lanes = await page.$$eval('.lane-head[data-lane]', (els) => els.map((e) => e.textContent));
    expect(seed['#meta']['threadNames']).toEqual(['V0', 'V1']);
    expect(lanes).toEqual(['V0', 'V1', 'TDX module']);
    const boxes = await page.$$eval('.step[data-thread]', (els) => els.map((e) => [Number(e.getAttribute('data-index')), e.getAttribute('data-thread'), e.querySelector('.name')!.textContent]));
    expect(boxes).toHaveLength(19);
    expect(boxes).toHaveLength(seed.states.length - 1);
    boxes.forEach(([i, thread, name]) => {
      const label = seed.states[i as number]!['mbt::actionTaken'] as string;
      expect(label).toBe(`${thread}: ${label.slice(label.indexOf(': ') + 2)}`);
      expect(label.endsWith(`.${name}`)).toBe(true);
    });
    // the SEAMCALL of the breaking step sits in the TDX module lane
    expect(await page.$$eval('.tdx-box', (els) => els.map((e) => [e.getAttribute('data-index'), e.textContent]))).toEqual([['19', 'TDH.MEM.RANGE.BLOCK(g0 L2) = TDX_EPT_ENTRY_STATE_INCORRECT']]);
    await page.close();
  });

  it('keyboard stepping (j/k, arrows, Home/End) shows the SPTE words of each state', async () => {
    const { page, errors } = await openFile(await browser(), seedHtml);
    expect(await selected(page)).toBe(0);
    expect(await pageWords(page)).toEqual(itfWords(seed.states[0]!));
    for (let i = 1; i < seed.states.length; i++) {
      await page.keyboard.press('j');
      expect(await selected(page)).toBe(i);
      expect(await pageWords(page)).toEqual(itfWords(seed.states[i]!));
    }
    await page.keyboard.press('j'); // past the end: stays on the last state
    expect(await selected(page)).toBe(19);
    await page.keyboard.press('Home');
    expect(await selected(page)).toBe(0);
    for (let i = 0; i < 9; i++) await page.keyboard.press('ArrowDown');
    expect(await selected(page)).toBe(9);
    // step 9 (V0 install) wrote the 2M private leaf into the mirror root's entry t1[0]
    const e = '#page-tables [data-entry="t1[0]"]';
    expect(await page.$eval(e, (x) => x.getAttribute('data-word'))).toBe('0x8600000100000bf7');
    expect(await page.$eval(e, (x) => x.className)).toContain('changed');
    const chips = await page.$eval(e, (x) => [...x.querySelectorAll('.chip')].map((c) => c.textContent));
    expect(chips).toEqual(expect.arrayContaining(['present', 'pfn=0x100000', 'page_size=1', 'suppress_ve=1', 'w=1']));
    await page.keyboard.press('k');
    expect(await selected(page)).toBe(8);
    expect(await page.$eval(e, (x) => x.getAttribute('data-word'))).toBe('0x8000000000000000');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowUp');
    expect(await selected(page)).toBe(7);
    await page.keyboard.press('End');
    expect(await selected(page)).toBe(19);
    // at the break V1 has zapped the huge leaf: t1[0] is non-present again and is one of the entries involved
    expect(await page.$eval(e, (x) => x.getAttribute('data-word'))).toBe('0x8000000000000000');
    expect(await page.$eval(e, (x) => x.className)).toContain('involved');
    expect(await page.$eval('#state-title', (x) => x.textContent)).toContain('fault(g1,W,priv).zap-huge-hook');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('decodes each SPTE field by field with the decoder of mmucheck decode', async () => {
    const { page } = await openFile(await browser(), seedHtml, '#step=9');
    expect(await selected(page)).toBe(9);
    const rows = await page.$$eval('#page-tables [data-entry="t1[0]"] details.fields tr', (trs) => trs.slice(1).map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    const d = cli(['decode', '--flavour', 'tdx', '0x8600000100000bf7', '--json']);
    expect(d.code).toBe(0);
    const present = (JSON.parse(d.stdout) as { views: { present: { field: string; bits: string; value: string }[] } }).views.present;
    expect(rows.length).toBeGreaterThan(10);
    expect(rows.map(([f, b, v]) => [f, b, BigInt(v!)])).toEqual(present.map((x) => [x.field, x.bits, BigInt(x.value)]));
    await page.close();
  });

  it('links each step to the kernel function it cites', async () => {
    const { page } = await openFile(await browser(), seedHtml);
    const links = await page.$$eval('.step[data-thread]', (els) => els.map((e) => [e.getAttribute('data-index'), e.querySelector('a.cite')?.getAttribute('href') ?? null]));
    expect(links.every(([, h]) => h !== null && h.startsWith('https://elixir.bootlin.com/linux/latest/A/ident/'))).toBe(true);
    expect(Object.fromEntries(links)['9']).toBe('https://elixir.bootlin.com/linux/latest/A/ident/tdp_mmu_map_handle_target_level');
    expect(Object.fromEntries(links)['18']).toBe('https://elixir.bootlin.com/linux/latest/A/ident/tdp_mmu_set_spte_atomic');
    await page.close();
  });

  it('names the broken invariant and the entries involved', async () => {
    const { page } = await openFile(await browser(), seedHtml);
    expect(await page.$eval('#broken h2', (x) => x.textContent)).toBe('Invariant broken: I7');
    expect(await page.$eval('#broken pre', (x) => x.textContent)).toContain('RANGE.BLOCK returned TDX_EPT_ENTRY_STATE_INCORRECT');
    expect(await page.$eval('#involved', (x) => x.textContent)).toBe('S-EPT L2 g0, t1[0]');
    expect(await page.$('#loop-banner')).toBeNull();
    expect(await page.$$('.step.in-loop')).toHaveLength(0);
    await page.close();
  });

  it("marks a lasso's loop", async () => {
    const { page, errors } = await openFile(await browser(), lassoHtml);
    const lasso = JSON.parse(readFileSync(resolve(ROOT, 'test/view/fixtures/lasso.itf.json'), 'utf8')) as ItfDoc;
    expect(lasso.loop).toBe(2);
    expect(await page.$eval('#loop-banner', (x) => x.textContent)).toContain('states 2\u20135 repeat forever');
    expect(await page.$$eval('.step.in-loop', (els) => els.map((e) => e.getAttribute('data-index')))).toEqual(['3', '4', '5']);
    expect(await page.$$eval('.step.loop-start', (els) => els.map((e) => e.getAttribute('data-index')))).toEqual(['2']);
    expect(await page.$eval('#loop-back', (x) => x.textContent)).toBe('\u21ba back to state 2 by B: lock.acquire: the loop repeats forever (fairness: weak)');
    expect(await page.$eval('#broken h2', (x) => x.textContent)).toBe('Liveness property violated: A-eventually-acquires');
    expect(await page.$$eval('.lane-head[data-lane]', (els) => els.map((e) => e.textContent))).toEqual(['A', 'B']);
    await page.keyboard.press('k'); // at 0 already: stays
    for (let i = 0; i < 3; i++) await page.keyboard.press('j');
    expect(await page.$eval('#state', (x) => x.textContent)).toContain('in the loop (states 2\u20135)');
    expect(await page.$eval('#vars .row.changed', (x) => x.textContent)).toBe('a: spinning  (was trying)');
    await page.click('#goto-break');
    expect(await selected(page)).toBe(2);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("opens the liveness checker's golden lasso (tdp-livelock) with its loop marked", async () => {
    const golden = 'proofs/expected/check--tdp-livelock--NV3-NE3-R2--unordered-livelock.itf.json';
    const doc = JSON.parse(readFileSync(resolve(ROOT, golden), 'utf8')) as ItfDoc;
    const out = join(OUT, 'livelock.html');
    expect(cli(['view', golden, '-o', out]).code).toBe(0);
    const { page, errors } = await openFile(await browser(), out);
    const loop = doc.loop!;
    expect(await page.$$('.step[data-thread]')).toHaveLength(doc.states.length - 1);
    expect(await page.$$eval('.step.in-loop', (els) => els.map((e) => Number(e.getAttribute('data-index'))))).toEqual(Array.from({ length: doc.states.length - 1 - loop }, (_, k) => loop + 1 + k));
    expect(await page.$eval('#loop-back', (x) => x.textContent)).toContain(`back to state ${loop} by ${(doc['#meta']['lasso'] as { loopAction: string }).loopAction}`);
    await page.keyboard.press('End');
    expect(await page.$eval('#state', (x) => x.textContent)).toContain(`in the loop (states ${loop}\u2013${doc.states.length - 1})`);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('writes a screenshot of the seed counterexample as a test artefact (out/view/seed.png)', async () => {
    const { page } = await openFile(await browser(), seedHtml, '#step=9');
    const png = join(OUT, 'seed.png');
    await page.screenshot({ path: png });
    const bytes = readFileSync(png);
    expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(statSync(png).size).toBeGreaterThan(20_000);
    await page.close();
  });
});
