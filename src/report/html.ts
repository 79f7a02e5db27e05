/**
 * The HTML trace viewer: one self-contained page (inline script and style, no network, opens from
 * file://) rendered from an ITF trace alone. Swimlanes per thread (plus the TDX module when a step
 * made a SEAMCALL), each step a box with its step name, the kernel function it models (linked to
 * the kernel source) and the shared state it touched; a state panel for the selected step (page
 * tables with SPTE words decoded by field, S-EPT entries, TLBs, locks, RCU and SRCU, changes
 * highlighted); the broken invariant with the entries involved; a lasso's loop marked (ITF
 * top-level `loop`: the index of the loop's first state); keyboard stepping.
 *
 * @example
 *   writeFileSync('trace.html', renderTraceHtml(itf));
 */
import { VIEWER_CSS, VIEWER_JS } from './html-client.js';
import { renderItfSteps, type ItfTrace } from './itf.js';
import { escapeMarkup as escapeHtml } from './escape.js';

/** An ITF document as the viewer reads it (what the one ITF writer writes, plus a lasso's `loop`). */
export interface HtmlTraceInput {
  readonly '#meta': Readonly<Record<string, unknown>>;
  readonly vars: readonly string[];
  readonly states: readonly Readonly<Record<string, unknown>>[];
  readonly loop?: number;
}

/** Returns JSON that is safe inside a `<script>` element (no `</script>`, no HTML comment openers, no line separators). */
function scriptJson(x: unknown): string {
  return JSON.stringify(x)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** Returns the page title of a trace: its model (or source), and the property it breaks. */
function titleOf(itf: HtmlTraceInput): string {
  const m = itf['#meta'];
  const model = typeof m['model'] === 'string' ? m['model'] : typeof m['source'] === 'string' ? m['source'] : 'trace';
  const prop = typeof m['property'] === 'string' && m['property'] !== '' ? `: ${m['property']}` : '';
  return `${model}${prop}`;
}

/**
 * Returns the viewer page of an ITF trace. The trace is embedded as JSON and rendered by the
 * page's own script; without script the page shows the step view (the text `check` prints).
 */
export function renderTraceHtml(itf: HtmlTraceInput): string {
  const title = titleOf(itf);
  const steps = renderItfSteps(itf as unknown as ItfTrace);
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    // No network: everything is inline; the only links are the kernel citations a reviewer follows.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">`,
    `<title>${escapeHtml(`mmucheck trace: ${title}`)}</title>`,
    `<style>${VIEWER_CSS}</style>`,
    '</head>',
    '<body>',
    '<div id="app"></div>',
    `<noscript><pre>${escapeHtml(steps)}</pre></noscript>`,
    `<script type="application/json" id="itf-data">${scriptJson(itf)}</script>`,
    `<script>${VIEWER_JS}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
