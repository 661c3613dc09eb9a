// Downloads of what the page shows: every table as CSV or JSON, every chart as SVG or PNG.
import { h } from './dom.js';

function download(fileName: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const link = h('a', { href: url, download: fileName, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

const cellText = (cell: Element): string => (cell.textContent ?? '').replace(/[▲▼]/g, '').replace(/\s+/g, ' ').trim();

/** A table's data: column names and rows of values (numbers at full precision where a panel gives them). */
export interface Records {
  headers: string[];
  rows: (string | number | boolean | null)[][];
}

/** The table's header texts and body rows as the page shows them. */
function shownRecords(table: HTMLTableElement): Records {
  const headers = [...table.querySelectorAll('thead th')].map(cellText);
  const rows = [...table.querySelectorAll('tbody tr')].map((tr) => [...tr.children].map(cellText));
  return { headers, rows };
}

const csvField = (value: string | number | boolean | null): string => {
  const text = value === null ? '' : String(value);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

export function recordsCsv({ headers, rows }: Records): string {
  return `${[headers, ...rows].map((row) => row.map(csvField).join(',')).join('\n')}\n`;
}

export function recordsJson({ headers, rows }: Records): string {
  return `${JSON.stringify(
    rows.map((row) => Object.fromEntries(headers.map((header, i) => [header, row[i] ?? null]))),
    null,
    2,
  )}\n`;
}

/** The page's chart styles, copied into an exported SVG so that it looks the same outside the page. */
function chartStyles(): string {
  const rules: string[] = [];
  for (const sheet of document.styleSheets)
    for (const rule of sheet.cssRules) if (rule instanceof CSSStyleRule && rule.selectorText.includes('.chart')) rules.push(rule.cssText);
  const root = getComputedStyle(document.documentElement);
  const variables = ['--ink', '--muted', '--paper', '--panel', '--line', '--accent', '--bad', '--good']
    .map((name) => `${name}: ${root.getPropertyValue(name)};`)
    .join(' ');
  return `svg { ${variables} font-family: system-ui, sans-serif; } ${rules.join(' ')}`;
}

export function svgText(svg: SVGSVGElement): string {
  const copy = svg.cloneNode(true) as SVGSVGElement;
  copy.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  const box = svg.viewBox.baseVal;
  copy.setAttribute('width', String(box.width));
  copy.setAttribute('height', String(box.height));
  const style = document.createElementNS('http://www.w3.org/2000/svg', 'style');
  style.textContent = chartStyles();
  copy.prepend(style);
  return new XMLSerializer().serializeToString(copy);
}

/** The SVG drawn at twice its size on a white canvas, as PNG. */
async function svgPng(svg: SVGSVGElement): Promise<Blob> {
  const url = URL.createObjectURL(new Blob([svgText(svg)], { type: 'image/svg+xml' }));
  try {
    const image = new Image();
    image.src = url;
    await image.decode();
    const box = svg.viewBox.baseVal;
    const canvas = h('canvas', { width: box.width * 2, height: box.height * 2 });
    const context = canvas.getContext('2d')!;
    context.fillStyle = '#ffffff';
    context.fillRect(0, 0, canvas.width, canvas.height);
    context.drawImage(image, 0, 0, canvas.width, canvas.height);
    return await canvasPng(canvas);
  } finally {
    URL.revokeObjectURL(url);
  }
}

export const canvasPng = (canvas: HTMLCanvasElement): Promise<Blob> =>
  new Promise((resolve, reject) =>
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('the canvas gave no PNG'))), 'image/png'),
  );

function exportButton(label: string, action: () => Promise<void> | void): HTMLButtonElement {
  return h('button', { type: 'button', class: 'export', onclick: () => void action() }, label);
}

/**
 * "Download CSV" and "Download JSON" of a table under the file name given: what the table shows, or the records a
 * panel gives for it.
 */
export function tableExports(name: string, source: () => HTMLTableElement | Records | null): HTMLElement {
  const save = (extension: string, type: string, text: (records: Records) => string) => () => {
    const current = source();
    if (!current) return;
    download(`${name}.${extension}`, new Blob([text(current instanceof HTMLTableElement ? shownRecords(current) : current)], { type }));
  };
  return h(
    'div',
    { class: 'exports', role: 'group', 'aria-label': `Export the ${name.replace(/-/g, ' ')} table` },
    exportButton('Download CSV', save('csv', 'text/csv', recordsCsv)),
    exportButton('Download JSON', save('json', 'application/json', recordsJson)),
  );
}

/** The SVG and PNG download buttons of a chart; `svg` returns the chart to save (a copy made for saving, or the one on screen). */
export function chartExports(name: string, svg: () => SVGSVGElement | null, png?: () => Promise<Blob | null>): HTMLElement {
  return h(
    'div',
    { class: 'exports', role: 'group', 'aria-label': `Export the ${name.replace(/-/g, ' ')} chart` },
    exportButton('Download SVG', () => {
      const current = svg();
      if (current) download(`${name}.svg`, new Blob([svgText(current)], { type: 'image/svg+xml' }));
    }),
    exportButton('Download PNG', async () => {
      const current = svg();
      const blob = png ? await png() : current ? await svgPng(current) : null;
      if (blob) download(`${name}.png`, blob);
    }),
  );
}
