/**
 * Small charts drawn as inline SVG, no library: a line chart (series over time, gaps where a value is missing) and
 * a bar chart (one bar per label, or stacked segments per series). Every chart is a <figure> holding an SVG with a
 * <title> and <desc> (role="img"), labelled axes, a <title> per bar or point for a pointer hover, a legend, and the
 * same numbers as a table under "Show the data" for screen readers and for anyone who would rather read.
 *
 * Colours come from CSS classes (`series-0`…), so a chart follows the page's light and dark themes; nothing is set
 * through style attributes (the page's content security policy forbids inline styles).
 */

const SVG = 'http://www.w3.org/2000/svg';
// Text is drawn in viewBox units: a chart meant for a full-width panel gets a wider box, so its text keeps the
// same size on screen as a half-width chart's.
const SIZES = { normal: { width: 640, height: 260 }, wide: { width: 1280, height: 300 } };
const MARGIN = { top: 16, right: 32, bottom: 52, left: 60 };

let chartCount = 0;

/**
 * @typedef {{ name: string, values: (number | null)[] }} Series
 * @typedef {{
 *   id: string, title: string, description: string, labels: string[], series: Series[],
 *   xLabel: string, yLabel: string, format?: (value: number) => string, stacked?: boolean,
 *   wide?: boolean, integer?: boolean,
 * }} ChartSpec
 */

/**
 * @param {string} name
 * @param {Record<string, string | number>} [attributes]
 * @param {string} [text]
 */
function svg(name, attributes = {}, text) {
  const element = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  if (text !== undefined) element.textContent = text;
  return element;
}

/**
 * @param {string} name
 * @param {Record<string, string>} [attributes]
 * @param {string} [text]
 */
function html(name, attributes = {}, text) {
  const element = document.createElement(name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, value);
  if (text !== undefined) element.textContent = text;
  return element;
}

/** A round top for the y axis and its step (1, 2 or 5 × 10^k), about four gridlines; counts step by whole units. */
export function niceScale(max, integer = false) {
  if (!(max > 0)) return { top: 1, step: 1 };
  const rough = integer ? Math.max(1, max / 4) : max / 4;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough) ?? 10 * power;
  return { top: Math.ceil(max / step) * step, step };
}

const plain = (value) => (Number.isInteger(value) ? String(value) : value.toFixed(1));

/** The frame every chart shares: the SVG with its title, description, gridlines and both axes labelled. */
function frame(spec, top, step) {
  const format = spec.format ?? plain;
  const { width, height } = SIZES[spec.wide ? 'wide' : 'normal'];
  const plotW = width - MARGIN.left - MARGIN.right;
  const plotH = height - MARGIN.top - MARGIN.bottom;
  const n = ++chartCount;
  const titleId = `chart-title-${n}`;
  const descId = `chart-desc-${n}`;
  const root = svg('svg', {
    viewBox: `0 0 ${width} ${height}`,
    role: 'img',
    'aria-labelledby': `${titleId} ${descId}`,
    class: 'chart',
    preserveAspectRatio: 'xMidYMid meet',
  });
  root.append(svg('title', { id: titleId }, spec.title), svg('desc', { id: descId }, spec.description));
  const y = (value) => MARGIN.top + plotH - (value / top) * plotH;
  const grid = svg('g', { class: 'grid', 'aria-hidden': 'true' });
  for (let v = 0; v <= top + step / 2; v += step) {
    grid.append(
      svg('line', { x1: MARGIN.left, x2: MARGIN.left + plotW, y1: y(v), y2: y(v) }),
      svg('text', { x: MARGIN.left - 8, y: y(v) + 4, class: 'tick y-tick', 'text-anchor': 'end' }, format(v)),
    );
  }
  root.append(grid);
  root.append(
    svg('line', {
      class: 'axis',
      x1: MARGIN.left,
      x2: MARGIN.left + plotW,
      y1: MARGIN.top + plotH,
      y2: MARGIN.top + plotH,
    }),
    svg('line', { class: 'axis', x1: MARGIN.left, x2: MARGIN.left, y1: MARGIN.top, y2: MARGIN.top + plotH }),
    svg(
      'text',
      { class: 'axis-label x-label', x: MARGIN.left + plotW / 2, y: height - 6, 'text-anchor': 'middle' },
      spec.xLabel,
    ),
    svg(
      'text',
      {
        class: 'axis-label y-label',
        x: -(MARGIN.top + plotH / 2),
        y: 14,
        transform: 'rotate(-90)',
        'text-anchor': 'middle',
      },
      spec.yLabel,
    ),
  );
  return { root, y, format, plotW, plotH };
}

/** Labels under the x axis, thinned out so they never overlap. */
function xTicks(root, labels, xOf, plotH) {
  const every = Math.max(1, Math.ceil(labels.length / 10));
  const ticks = svg('g', { class: 'x-ticks', 'aria-hidden': 'true' });
  labels.forEach((label, i) => {
    if (i % every !== 0) return;
    ticks.append(
      svg(
        'text',
        { x: xOf(i), y: MARGIN.top + plotH + 18, class: 'tick x-tick', 'text-anchor': 'middle' },
        label,
      ),
    );
  });
  root.append(ticks);
}

function legend(series) {
  const list = html('ul', { class: 'legend' });
  series.forEach((s, i) => {
    const item = html('li', {});
    item.append(
      html('span', { class: `swatch series-${i}`, 'aria-hidden': 'true' }),
      document.createTextNode(s.name),
    );
    list.append(item);
  });
  return list;
}

/** The chart's numbers as a table: the fallback for screen readers, and for reading exact values. */
function dataTable(spec) {
  const format = spec.format ?? plain;
  const details = html('details', { class: 'chart-data' });
  details.append(html('summary', {}, 'Show the data'));
  const table = html('table', {});
  table.append(html('caption', {}, spec.title));
  const head = html('tr', {});
  head.append(html('th', { scope: 'col' }, spec.xLabel));
  for (const s of spec.series) head.append(html('th', { scope: 'col' }, s.name));
  const thead = html('thead', {});
  thead.append(head);
  const tbody = html('tbody', {});
  spec.labels.forEach((label, i) => {
    const row = html('tr', {});
    row.append(html('th', { scope: 'row' }, label));
    for (const s of spec.series) {
      const value = s.values[i];
      row.append(html('td', {}, value === null || value === undefined ? '–' : format(value)));
    }
    tbody.append(row);
  });
  table.append(thead, tbody);
  details.append(table);
  return details;
}

function figure(spec, root) {
  const fig = html('figure', { class: 'chart-figure', id: spec.id });
  // The panel's heading names the chart on screen; the caption is for assistive technology.
  const caption = html('figcaption', { class: 'visually-hidden' }, spec.title);
  fig.append(caption, root);
  if (spec.series.length > 1) fig.append(legend(spec.series));
  fig.append(dataTable(spec));
  return fig;
}

/**
 * Series over time as lines with a dot per value; a missing value (null) breaks the line.
 * @param {ChartSpec} spec
 */
export function lineChart(spec) {
  const values = spec.series.flatMap((s) => s.values.filter((v) => v !== null));
  const { top, step } = niceScale(Math.max(0, ...values), spec.integer);
  const { root, y, format, plotW, plotH } = frame(spec, top, step);
  const count = spec.labels.length;
  const xOf = (i) => MARGIN.left + (count <= 1 ? plotW / 2 : (i / (count - 1)) * plotW);
  xTicks(root, spec.labels, xOf, plotH);
  spec.series.forEach((s, k) => {
    const group = svg('g', { class: `series series-${k}`, 'data-series': s.name });
    /** @type {string[]} */
    let run = [];
    const flush = () => {
      if (run.length > 1)
        group.append(svg('polyline', { class: 'line', points: run.join(' '), fill: 'none' }));
      run = [];
    };
    s.values.forEach((value, i) => {
      if (value === null || value === undefined) flush();
      else run.push(`${xOf(i).toFixed(1)},${y(value).toFixed(1)}`);
    });
    flush();
    s.values.forEach((value, i) => {
      if (value === null || value === undefined) return;
      const dot = svg('circle', { class: 'point', cx: xOf(i).toFixed(1), cy: y(value).toFixed(1), r: 3.5 });
      dot.append(svg('title', {}, `${s.name}, ${spec.labels[i]}: ${format(value)}`));
      group.append(dot);
    });
    root.append(group);
  });
  return figure(spec, root);
}

/**
 * One bar per label (a 0 is drawn flat); with `stacked`, one segment per series and non-zero value.
 * @param {ChartSpec} spec
 */
export function barChart(spec) {
  const totals = spec.labels.map((_, i) => spec.series.reduce((sum, s) => sum + (s.values[i] ?? 0), 0));
  const { top, step } = niceScale(Math.max(0, ...totals), spec.integer);
  const { root, y, format, plotW, plotH } = frame(spec, top, step);
  const count = Math.max(1, spec.labels.length);
  const slot = plotW / count;
  const barWidth = Math.max(2, Math.min(56, slot * 0.7));
  const xOf = (i) => MARGIN.left + slot * i + slot / 2;
  xTicks(root, spec.labels, xOf, plotH);
  const bars = svg('g', { class: 'bars' });
  spec.labels.forEach((label, i) => {
    let base = 0;
    spec.series.forEach((s, k) => {
      const value = s.values[i] ?? 0;
      // Stacked bars leave out empty segments; a plain bar of 0 stays (its label says the status exists).
      if (value <= 0 && spec.stacked) return;
      const rect = svg('rect', {
        class: `bar series-${spec.series.length > 1 ? k : 0}`,
        x: (xOf(i) - barWidth / 2).toFixed(1),
        y: y(base + value).toFixed(1),
        width: barWidth.toFixed(1),
        height: Math.max(0, y(base) - y(base + value)).toFixed(1),
        'data-label': label,
        'data-value': value,
      });
      const who = spec.series.length > 1 ? `${s.name}, ${label}` : label;
      rect.append(svg('title', {}, `${who}: ${format(value)}`));
      bars.append(rect);
      base += value;
    });
  });
  root.append(bars);
  return figure(spec, root);
}
