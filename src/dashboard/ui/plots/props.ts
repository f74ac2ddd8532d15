import type { StudyDetailResponse } from '../../api.js';

export interface PlotProps {
  readonly detail: StudyDetailResponse;
  readonly tick: number;
  readonly objective: number;
}
