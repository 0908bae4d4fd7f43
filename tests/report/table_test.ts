import { assert, assertEquals, assertStringIncludes, assertThrows } from "@std/assert";
import {
  escapeLatex,
  escapeMarkdown,
  renderLatex,
  renderMarkdown,
  type Table,
  validateTable,
} from "../../lib/report/table.ts";
import { claimsTable, valuesTable } from "../../lib/report/comparison.ts";
import {
  formatPaperValue,
  PAPER_CLAIMS,
  PAPER_VALUES,
  paperClaim,
  paperValue,
} from "../../lib/report/paper_values.ts";
import { measure } from "../../lib/report/verdict.ts";

const table: Table = {
  id: "quantizer_type",
  title: "Quantizer type at 16 bits",
  columns: [{ header: "Setting" }, { header: "rFID", align: "right" }],
  rows: [
    ["GQ | 2 x 8", "1.5"],
    ["LFQ_1x16 *bold*", null],
  ],
  notes: ["Costs 50% & more: $5 #1 {x} ~y ^z \\w"],
};

Deno.test("renderMarkdown escapes pipes and emphasis", () => {
  const md = renderMarkdown(table);
  const lines = md.split("\n");
  assertEquals(lines[0], "### Quantizer type at 16 bits");
  assertEquals(lines[2], "| Setting | rFID |");
  assertEquals(lines[3], "|---|---:|");
  assertEquals(lines[4], "| GQ \\| 2 x 8 | 1.5 |");
  assertEquals(lines[5], "| LFQ\\_1x16 \\*bold\\* | unknown |");
});

Deno.test("renderMarkdown keeps one cell per column", () => {
  const md = renderMarkdown(table);
  for (const line of md.split("\n").filter((l) => l.startsWith("|"))) {
    const unescapedPipes = line.replace(/\\\|/g, "").match(/\|/g)?.length;
    assertEquals(unescapedPipes, 3, line);
  }
});

Deno.test("escapeMarkdown joins lines", () => {
  assertEquals(escapeMarkdown("a\nb\r\nc"), "a b c");
  assertEquals(escapeMarkdown("<b>"), "\\<b\\>");
});

Deno.test("renderLatex escapes special characters", () => {
  const tex = renderLatex(table);
  assertStringIncludes(tex, "\\caption{Quantizer type at 16 bits}");
  assertStringIncludes(tex, "\\label{tab:quantizer_type}");
  assertStringIncludes(tex, "\\begin{tabular}{lr}");
  assertStringIncludes(tex, "Setting & rFID \\\\");
  assertStringIncludes(tex, "LFQ\\_1x16 *bold* & unknown \\\\");
  assertStringIncludes(
    tex,
    "Costs 50\\% \\& more: \\$5 \\#1 \\{x\\} \\textasciitilde{}y \\textasciicircum{}z \\textbackslash{}w",
  );
});

Deno.test("escapeLatex maps math symbols", () => {
  assertEquals(escapeLatex("0.5 ± 0.1"), "0.5 $\\pm$ 0.1");
  assertEquals(escapeLatex("5.37 → 3.90"), "5.37 $\\rightarrow$ 3.90");
  assertEquals(
    escapeLatex("2 × 8 ≈ 16 ≤ 17 ≥ 1"),
    "2 $\\times$ 8 $\\approx$ 16 $\\leq$ 17 $\\geq$ 1",
  );
  assertEquals(escapeLatex("a < b > c"), "a \\textless{} b \\textgreater{} c");
});

Deno.test("validateTable names ragged rows", () => {
  const ragged: Table = { ...table, rows: [["only one"]] };
  assertThrows(() => validateTable(ragged), Error, `table "quantizer_type": row 0 has 1 cells`);
  assertThrows(() => renderMarkdown(ragged), Error, "give one cell per column");
  assertThrows(() => renderLatex(ragged), Error, "give one cell per column");
});

Deno.test("valuesTable writes unknown paper values", () => {
  const rows = valuesTable("t", "T", [
    {
      setting: "GQ 2 x 8",
      metric: "rFID",
      paper: paperValue("ablation/quantizer/rfid"),
      ours: measure([1.25, 1.75]),
      scale: "cpu",
    },
    {
      setting: "CR 48",
      metric: "rFID",
      paper: paperValue("zero-shot/rfid/cr48"),
      ours: null,
      oursMissing: "failed: trainer not available yet",
      scale: "smoke",
    },
    {
      setting: "CR 24",
      metric: "rFID",
      paper: paperValue("zero-shot/rfid/cr24"),
      ours: null,
      scale: "paper",
    },
  ]).rows;
  assertEquals(rows[0], ["GQ 2 x 8", "rFID", "unknown", "1.5 ± 0.3536 (n=2)", "cpu"]);
  assertEquals(rows[1], [
    "CR 48",
    "rFID",
    "~0.2 rFID",
    "failed: trainer not available yet",
    "smoke",
  ]);
  assertEquals(rows[2], ["CR 24", "rFID", "0.12 rFID", "not run", "paper"]);
});

Deno.test("claimsTable lists verdict and criterion", () => {
  const rows = claimsTable("c", "C", [{
    claim: paperClaim("quantizer-order"),
    result: { verdict: "inconclusive", criterion: "rFID: gq < lfq", evidence: "no result for gq" },
    scale: "smoke",
  }]).rows;
  assertEquals(rows[0][4], "inconclusive");
  assertEquals(rows[0][5], "rFID: gq < lfq");
  assertEquals(rows[0][2], "no result for gq");
  assertStringIncludes(rows[0][1]!, "arXiv 2508.05599");
});

Deno.test("paper values carry a source", () => {
  for (const value of PAPER_VALUES) {
    assertStringIncludes(value.source, "arXiv 2508.05599", value.key);
  }
  for (const claim of PAPER_CLAIMS) {
    assertStringIncludes(claim.source, "arXiv 2508.05599", claim.key);
  }
  assertEquals(new Set(PAPER_VALUES.map((v) => v.key)).size, PAPER_VALUES.length);
  assertEquals(new Set(PAPER_CLAIMS.map((c) => c.key)).size, PAPER_CLAIMS.length);
});

Deno.test("paperValue rejects unknown keys", () => {
  assertThrows(
    () => paperValue("zero-shot/rfid/cr12"),
    Error,
    `unknown paper value "zero-shot/rfid/cr12"`,
  );
  assertThrows(() => paperClaim("nope"), Error, `unknown paper claim "nope"`);
});

Deno.test("formatPaperValue marks read-off values", () => {
  assertEquals(formatPaperValue(paperValue("zero-shot/rfid/cr192")), "~0.58 rFID");
  assertEquals(formatPaperValue(paperValue("memory/gq/d40")), "10.6 GB");
  assertEquals(formatPaperValue(null), "unknown");
  assert(paperValue("zero-shot/rfid/cr192").approximate);
});

Deno.test("valuesTable describes known paper values", () => {
  const notes = valuesTable("t", "T", [
    {
      setting: "CR 48",
      metric: "rFID",
      paper: paperValue("zero-shot/rfid/cr48"),
      ours: null,
      scale: "cpu",
    },
  ]).notes!;
  assertStringIncludes(notes.join(" "), "CR 48: WeTok zero-shot rFID, compression 48");
  assertStringIncludes(notes.join(" "), '"~" marks a paper value read from a figure');
});

Deno.test("valuesTable adds no note without paper values", () => {
  const notes = valuesTable("t", "T", [
    {
      setting: "GQ 2 x 8",
      metric: "rFID",
      paper: paperValue("ablation/quantizer/rfid"),
      ours: measure([1]),
      scale: "cpu",
    },
  ]).notes;
  assertEquals(notes, []);
});
