/** One plot of a study, with the objective to show when there are several. */
import { useState } from 'react';
import { ContourPlot } from '../plots/contour.js';
import { EdfPlot } from '../plots/edf.js';
import { HistoryPlot } from '../plots/history.js';
import { ImportancePlot, InteractionsPlot } from '../plots/importance.js';
import { IntermediatePlot } from '../plots/intermediate.js';
import { ParallelPlot } from '../plots/parallel.js';
import { ParetoPlot } from '../plots/pareto.js';
import { PbtPlot } from '../plots/pbt.js';
import { SlicePlot } from '../plots/slice.js';
import { TimelinePlot } from '../plots/timeline.js';
import { PLOT_TITLES, type PlotName } from '../route.js';
import { plotAvailable, type StudyPageProps } from './study-shell.js';

const WHY_NOT: Partial<Record<PlotName, string>> = {
  pareto: 'The Pareto front needs a study with two or more objectives.',
  intermediate: 'No trial of this study reported intermediate values.',
  pbt: 'This study has no population-based training members.',
  contour: 'A contour plot needs at least two parameters.',
  interactions: 'Interactions need at least two parameters.',
  parallel: 'This study has no parameters yet.',
  slice: 'This study has no parameters yet.',
  importance: 'This study has no parameters yet.',
};

const PER_OBJECTIVE: readonly PlotName[] = ['history', 'parallel', 'slice', 'contour', 'importance', 'interactions', 'edf', 'intermediate'];

export function PlotPage({ detail, tick, plot }: StudyPageProps & { readonly plot: PlotName }) {
  const [objective, setObjective] = useState(0);
  const dirs = detail.study.directions;
  const available = plotAvailable(detail, plot);
  const props = { detail, tick, objective };
  return (
    <section className="page plot-page card wide">
      <div className="card-head">
        <h1>{PLOT_TITLES[plot]}</h1>
        {dirs.length > 1 && PER_OBJECTIVE.includes(plot) ? (
          <label>
            Objective{' '}
            <select value={objective} onChange={(e) => setObjective(Number(e.target.value))}>
              {dirs.map((d, i) => (
                <option key={i} value={i}>
                  {`${i} (${d})`}
                </option>
              ))}
            </select>
          </label>
        ) : null}
      </div>
      {!available ? (
        <p className="muted unavailable-note">{WHY_NOT[plot] ?? 'Not available for this study.'}</p>
      ) : plot === 'history' ? (
        <HistoryPlot {...props} />
      ) : plot === 'parallel' ? (
        <ParallelPlot {...props} />
      ) : plot === 'slice' ? (
        <SlicePlot {...props} />
      ) : plot === 'contour' ? (
        <ContourPlot {...props} />
      ) : plot === 'importance' ? (
        <ImportancePlot {...props} />
      ) : plot === 'interactions' ? (
        <InteractionsPlot {...props} />
      ) : plot === 'edf' ? (
        <EdfPlot {...props} />
      ) : plot === 'intermediate' ? (
        <IntermediatePlot {...props} />
      ) : plot === 'pareto' ? (
        <ParetoPlot {...props} />
      ) : plot === 'timeline' ? (
        <TimelinePlot {...props} />
      ) : (
        <PbtPlot {...props} />
      )}
    </section>
  );
}
