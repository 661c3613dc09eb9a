// The paper's accuracy-versus-CorrEmbed scatter: every model, the least-squares line, and the outliers marked and named.
import { LatestRequest } from './api.js';
import { axes, HEIGHT, MARGIN, WIDTH } from './chartFrame.js';
import { field, fixed, h, notice, s, show } from './dom.js';
import { chartExports } from './exporting.js';
import { extent, linearScale } from './scale.js';
import { setUrlValues, urlValue } from './urlState.js';
import type { AccuracyFit } from './types.js';

export const FIT_FIELDS = `accuracyMetric fit { slope intercept r rSquared residualSd n outlierThreshold } reason
  models { model { id name } accuracy score predicted residual normalisedScore outlier } modelsWithoutAccuracy { model { name } }`;

/** The chart with a control for the outlier rule (residual standard deviations), which asks the API again. */
export function renderScatter(container: HTMLElement, datasetId: string, analysis: AccuracyFit): void {
  const sigmas = h('input', {
    id: 'scatter-sigmas',
    type: 'number',
    min: 0.5,
    max: 5,
    step: 0.25,
    value: urlValue('sigmas') ?? 2,
    inputmode: 'decimal',
  });
  const chart = h('div', { class: 'scatter-chart' });
  const request = new LatestRequest();
  const refit = () => {
    const value = Number(sigmas.value);
    if (!(value > 0)) return;
    setUrlValues({ sigmas: value === 2 ? null : value });
    request
      .send<{ accuracyFit: AccuracyFit }>(
        `query Fit($datasetId: ID!, $sigmas: Float) { accuracyFit(datasetId: $datasetId, sigmas: $sigmas) { ${FIT_FIELDS} } }`,
        { datasetId, sigmas: value },
      )
      .then(({ accuracyFit }) => drawScatter(chart, accuracyFit))
      .catch((error: Error) => show(chart, notice(error.message, 'error')));
  };
  sigmas.addEventListener('change', refit);
  show(
    container,
    h('div', { class: 'controls' }, field('Outliers beyond (residual SDs)', sigmas)),
    chart,
    chartExports('accuracy-versus-corrembed', () => chart.querySelector('svg')),
  );
  if (Number(sigmas.value) === 2) drawScatter(chart, analysis);
  else refit();
}

function drawScatter(container: HTMLElement, analysis: AccuracyFit): void {
  const { fit, models } = analysis;
  if (models.length === 0) {
    return show(container, notice(analysis.reason ?? 'No model on the leaderboard has an accuracy in its metadata.'));
  }
  const x = linearScale(extent(models.map((m) => m.accuracy)), [MARGIN.left, WIDTH - MARGIN.right]);
  const y = linearScale(extent(models.map((m) => m.score)), [HEIGHT - MARGIN.bottom, MARGIN.top]);
  // The fitted line over the accuracies seen.
  const lineAt = (accuracy: number) => fit!.slope * accuracy + fit!.intercept;
  const accuracies = models.map((m) => m.accuracy);
  const [aLo, aHi] = [Math.min(...accuracies), Math.max(...accuracies)];
  const points = models.map((m) =>
    s(
      'g',
      { class: m.outlier ? 'point outlier' : 'point', 'data-model': m.model.name },
      s('circle', { cx: x(m.accuracy), cy: y(m.score), r: m.outlier ? 7 : 5 }),
      s(
        'title',
        {},
        `${m.model.name}: accuracy ${fixed(m.accuracy, 2)}%, CorrEmbed ${fixed(m.score)}${m.residual === null ? '' : `, residual ${m.residual >= 0 ? '+' : ''}${fixed(m.residual)}`}${m.outlier ? ' (outlier)' : ''}`,
      ),
      m.outlier || models.length <= 8 ? label(x(m.accuracy), y(m.score), m.model.name, m.outlier) : null,
    ),
  );
  const chart = s(
    'svg',
    { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', 'aria-labelledby': 'scatter-title scatter-desc', class: 'chart' },
    s('title', { id: 'scatter-title' }, `${analysis.accuracyMetric} against CorrEmbed`),
    s('desc', { id: 'scatter-desc' }, describe(analysis)),
    ...axes(x, y, { x: `${analysis.accuracyMetric} (%)`, y: 'CorrEmbed' }, 6),
    fit ? s('line', { class: 'fit', x1: x(aLo), y1: y(lineAt(aLo)), x2: x(aHi), y2: y(lineAt(aHi)) }) : null,
    ...points,
  );
  const outliers = models.filter((m) => m.outlier);
  show(
    container,
    h('figure', {}, chart, h('figcaption', {}, describe(analysis))),
    outliers.length
      ? h(
          'ul',
          { class: 'outliers', 'aria-label': 'Outliers' },
          ...outliers.map((m) =>
            h(
              'li',
              {},
              h('strong', {}, m.model.name),
              ` lies ${fixed(Math.abs(m.normalisedScore ?? 0), 1)} residual SDs ${m.residual! > 0 ? 'above' : 'below'} the line`,
            ),
          ),
        )
      : null,
    analysis.modelsWithoutAccuracy.length
      ? h('p', { class: 'muted' }, `Without an accuracy (left out): ${analysis.modelsWithoutAccuracy.map((m) => m.model.name).join(', ')}.`)
      : null,
  );
}

/** A point's name beside it: to its left in the right third of the plot, so it stays inside. */
function label(px: number, py: number, name: string, outlier: boolean): SVGTextElement {
  const left = px > WIDTH * 0.66;
  return s(
    'text',
    { x: left ? px - 9 : px + 9, y: py - 8, 'text-anchor': left ? 'end' : 'start', class: outlier ? 'label outlier-label' : 'label' },
    name,
  );
}

function describe({ fit, reason, models }: AccuracyFit): string {
  if (!fit) return `${models.length} models; no line: ${reason ?? 'not enough models with an accuracy'}.`;
  const outliers = models.filter((m) => m.outlier).map((m) => m.model.name);
  return `CorrEmbed = ${fixed(fit.slope)} × accuracy ${fit.intercept >= 0 ? '+' : '−'} ${fixed(Math.abs(fit.intercept))}; r = ${fixed(fit.r, 2)}, n = ${fit.n}; ${outliers.length ? `outliers: ${outliers.join(', ')}` : 'no outliers'} (|residual| > ${fixed(fit.outlierThreshold)}).`;
}
