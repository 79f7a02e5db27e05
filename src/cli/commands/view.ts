/**
 * `mmucheck view TRACE.itf.json -o FILE`: renders an ITF trace (as `check --itf` or `ci --itf-dir`
 * write it) as the self-contained HTML trace viewer (src/report/html.ts). Nothing is re-executed:
 * the page is rendered from the ITF alone, so it works for any model's trace.
 */
import { fail } from '../../core/diagnostic.js';
import { EXIT } from '../../core/exit.js';
import { isObject } from '../../core/shape.js';
import { validateItfTrace } from '../../mmu/trace.js';
import { renderTraceHtml, type HtmlTraceInput } from '../../report/html.js';
import { type Command } from '../command.js';
import { parse, str } from '../args.js';
import { readInputFile } from '../input.js';
import { requirePath, writeOutputFile } from '../output.js';

const usage = `usage: mmucheck view TRACE.itf.json -o FILE.html

Renders an ITF trace (written by 'mmucheck check ... --itf FILE' or 'mmucheck ci --itf-dir DIR')
as one self-contained HTML page (inline script and style, no network: it opens from file://):
  - swimlanes, one per thread (and the TDX module when a step made a SEAMCALL), each step a box
    with its step name, the kernel function it models (a link to the kernel source) and the
    shared state it touched;
  - a state panel for the selected step: each root's page-table tree with SPTE words decoded by
    field (the decoder of 'mmucheck decode', stored in the trace by its writer), S-EPT entries,
    vCPUs and TLBs, mmu_lock, RCU and SRCU, thread positions; what the step changed highlighted;
  - the broken invariant with the entries involved; for a lasso (a liveness counterexample whose
    ITF has a top-level "loop": the index of the loop's first state) the loop marked;
  - keyboard: Down/Right/j next step, Up/Left/k previous, Home/End first/last; #step=N in the
    URL opens step N.
'check ... --html FILE' and 'ci --html-dir DIR' write the same page directly.
  -o, --output FILE   the HTML file to write (required)
Exit 0 when the page is written, 64 when the trace cannot be read or is not an ITF trace (MMC006,
MMC203) or the output cannot be written.`;

/** Returns the trace with its lasso loop checked: `loop`, when present, must index a state. */
function withLoop(file: string, doc: unknown): HtmlTraceInput {
  const t = validateItfTrace(doc, `view: ${file}`);
  const loop = isObject(doc) ? doc['loop'] : undefined;
  if (loop !== undefined && !(typeof loop === 'number' && Number.isInteger(loop) && loop >= 0 && loop < t.states.length)) {
    fail('MMC203', `view: ${file}: field 'loop' is ${JSON.stringify(loop)}; allowed: the index of the loop's first state, an integer from 0 to ${t.states.length - 1}`, { subject: file });
  }
  return loop === undefined ? t : { ...t, loop: loop as number };
}

/** The `view` command. */
export const viewCommand: Command = {
  name: 'view',
  summary: 'render an ITF counterexample as a self-contained HTML page to step through',
  usage,
  async run(argv, io) {
    const p = parse('view', argv, { output: { type: 'string', short: 'o' } }, 1);
    const file = p.positionals[0];
    if (file === undefined) fail('MMC001', 'view: name the ITF trace file, e.g. mmucheck view trace.itf.json -o trace.html');
    const out = str(p, 'output');
    if (out === undefined) fail('MMC001', 'view: -o FILE (--output) is required: the HTML file to write', { subject: '--output' });
    requirePath('--output', out);
    const text = readInputFile('view: ITF trace', file);
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      fail('MMC203', `view: ${file} is not an ITF trace (not JSON); give the file written by 'mmucheck check --itf FILE'`, { subject: file });
    }
    const t = withLoop(file, doc);
    writeOutputFile('--output', out, renderTraceHtml(t));
    io.out(`trace viewer written to ${out} (${t.states.length - 1} steps; open it in a browser; arrows or j/k step)`);
    return EXIT.ok;
  },
};
