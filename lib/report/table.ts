/**
 * Tables as plain data, rendered as GitHub Markdown or LaTeX (booktabs).
 *
 * Cells are strings. A `null` cell is written "unknown", the word every table
 * of this project uses for a value that WeTok (arXiv 2508.05599) does not
 * report or that is not known here. Numbers are formatted by the caller (see `formatNumber`).
 */

/** A column: header text and alignment (default "left"). */
export interface Column {
  header: string;
  align?: "left" | "right";
}

/** A table: id (the file stem), title, columns, rows of cells and notes under it. */
export interface Table {
  id: string;
  title: string;
  columns: Column[];
  rows: (string | null)[][];
  /** Sentences printed under the table, such as how a number differs from the paper's. */
  notes?: string[];
}

/** Text of a `null` cell. */
export const UNKNOWN = "unknown";

/**
 * Checks that every row has one cell per column.
 * @throws Error naming the table, the row and the counts.
 */
export function validateTable(table: Table): void {
  if (table.columns.length === 0) throw new Error(`table "${table.id}": no columns`);
  table.rows.forEach((row, i) => {
    if (row.length !== table.columns.length) {
      throw new Error(
        `table "${table.id}": row ${i} has ${row.length} cells but there are ` +
          `${table.columns.length} columns; give one cell per column`,
      );
    }
  });
}

/**
 * Escapes text for a GitHub Markdown table cell: Markdown punctuation is
 * backslash-escaped, `|` cannot split the cell, and line breaks become spaces.
 */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/\r?\n/g, " ")
    .replace(/([\\`*_{}\[\]<>|#])/g, "\\$1");
}

const LATEX_SPECIALS: Record<string, string> = {
  "\\": "\\textbackslash{}",
  "&": "\\&",
  "%": "\\%",
  "$": "\\$",
  "#": "\\#",
  "_": "\\_",
  "{": "\\{",
  "}": "\\}",
  "~": "\\textasciitilde{}",
  "^": "\\textasciicircum{}",
  "<": "\\textless{}",
  ">": "\\textgreater{}",
  "±": "$\\pm$",
  "×": "$\\times$",
  "≈": "$\\approx$",
  "≤": "$\\leq$",
  "≥": "$\\geq$",
  "→": "$\\rightarrow$",
};

/** Escapes text for a LaTeX text-mode cell, including `±`, `×`, `≈`, `≤`, `≥` and `→`. */
export function escapeLatex(text: string): string {
  return text.replace(/\r?\n/g, " ").replace(/[\\&%$#_{}~^<>±×≈≤≥→]/g, (ch) => LATEX_SPECIALS[ch]);
}

/** Renders a table as GitHub Markdown: a `###` title, the table, then the notes. */
export function renderMarkdown(table: Table): string {
  validateTable(table);
  const cell = (value: string | null) => escapeMarkdown(value ?? UNKNOWN);
  const lines = [
    `### ${escapeMarkdown(table.title)}`,
    "",
    `| ${table.columns.map((c) => escapeMarkdown(c.header)).join(" | ")} |`,
    `|${table.columns.map((c) => (c.align === "right" ? "---:" : "---")).join("|")}|`,
    ...table.rows.map((row) => `| ${row.map(cell).join(" | ")} |`),
  ];
  if (table.notes?.length) lines.push("", ...table.notes.map((note) => escapeMarkdown(note)));
  return lines.join("\n") + "\n";
}

/**
 * Renders a table as a LaTeX `table` environment with a booktabs `tabular`
 * (needs `\usepackage{booktabs}`), the title as caption and `tab:<id>` as label.
 */
export function renderLatex(table: Table): string {
  validateTable(table);
  const spec = table.columns.map((c) => (c.align === "right" ? "r" : "l")).join("");
  const row = (cells: (string | null)[]) =>
    cells.map((v) => escapeLatex(v ?? UNKNOWN)).join(" & ") + " \\\\";
  const lines = [
    "\\begin{table}[ht]",
    "\\centering",
    `\\caption{${escapeLatex(table.title)}}`,
    `\\label{tab:${table.id.replace(/[^A-Za-z0-9:_-]/g, "-")}}`,
    `\\begin{tabular}{${spec}}`,
    "\\toprule",
    row(table.columns.map((c) => c.header)),
    "\\midrule",
    ...table.rows.map(row),
    "\\bottomrule",
    "\\end{tabular}",
  ];
  if (table.notes?.length) {
    lines.push(...table.notes.map((note) => `\\par\\smallskip\\footnotesize ${escapeLatex(note)}`));
  }
  lines.push("\\end{table}");
  return lines.join("\n") + "\n";
}
