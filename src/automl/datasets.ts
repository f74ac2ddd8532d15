/**
 * The benchmark and test datasets as Frames: the scikit-learn copies in the
 * repository's data/ folder (iris, wine, breast cancer, digits, diabetes)
 * and penguins and cars from the vega-datasets package (categorical columns
 * and missing values). The target column is named `target`.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { InvalidArgumentError } from '../errors.js';
import { dataDir } from '../tfjs/datasets.js';
import { type Frame, frameFromRecords } from './csv.js';

export const AUTOML_DATASETS = ['iris', 'wine', 'breast_cancer', 'digits', 'diabetes', 'penguins', 'cars'] as const;
/**
 * Real datasets no automl rule or threshold was chosen on (all from vega-datasets): to check that what was tuned
 * on the seven above holds on data it never saw.
 * - seattle_weather: the day's weather (rain, sun, fog, drizzle, snow) from precipitation, temperatures, wind and month; 1,461 rows.
 * - weather_location: Seattle or New York from a day's weather, its kind and the month; 2,922 rows.
 * - gapminder: life expectancy from year, fertility, population and region cluster (categorical); 682 rows.
 * - movies: IMDB rating from grosses, budget, year, ratings and genre (categorical, many values missing); 2,988 rows.
 * - barley: yield from variety, site and year, all categorical; 120 rows.
 */
export const HELDOUT_DATASETS = ['seattle_weather', 'weather_location', 'gapminder', 'movies', 'barley'] as const;
export type AutomlDatasetName = (typeof AUTOML_DATASETS)[number] | (typeof HELDOUT_DATASETS)[number];

function read(dir: string, file: string): string {
  try {
    const buf = readFileSync(join(dir, file));
    return file.endsWith('.gz') ? gunzipSync(buf).toString('utf8') : buf.toString('utf8');
  } catch (e) {
    throw new InvalidArgumentError(`cannot read ${join(dir, file)} (the datasets live in the repository's data/ folder): ${(e as Error).message}`);
  }
}

function numericRows(text: string, split: RegExp): number[][] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0)
    .map((l) => l.split(split).map(Number));
}

/** scikit-learn's layout: an optional "n,d,class names…" line, then rows with the label last. */
function sklearnCsv(text: string, header: boolean): Record<string, unknown>[] {
  const rows = numericRows(text, /,/);
  return (header ? rows.slice(1) : rows).map((r) => {
    const rec: Record<string, unknown> = {};
    r.slice(0, -1).forEach((v, j) => {
      rec[`x${j}`] = v;
    });
    rec.target = r[r.length - 1];
    return rec;
  });
}

export function loadAutomlDataset(name: AutomlDatasetName, dir = dataDir()): Frame {
  switch (name) {
    case 'iris':
      return frameFromRecords(sklearnCsv(read(dir, 'iris.csv'), true));
    case 'wine':
      return frameFromRecords(sklearnCsv(read(dir, 'wine_data.csv'), true));
    case 'breast_cancer':
      return frameFromRecords(sklearnCsv(read(dir, 'breast_cancer.csv'), true));
    case 'digits':
      return frameFromRecords(sklearnCsv(read(dir, 'digits.csv.gz'), false));
    case 'diabetes': {
      const x = numericRows(read(dir, 'diabetes_data_raw.csv.gz'), /\s+/);
      const y = numericRows(read(dir, 'diabetes_target.csv.gz'), /\s+/);
      const names = ['age', 'sex', 'bmi', 'bp', 's1', 's2', 's3', 's4', 's5', 's6'];
      return frameFromRecords(x.map((r, i) => ({ ...Object.fromEntries(names.map((n, j) => [n, r[j]])), target: (y[i] as number[])[0] })));
    }
    case 'penguins': {
      const rows = vegaRows('penguins.json');
      return frameFromRecords(
        rows.map(({ Species, ...rest }) => {
          const rec: Record<string, unknown> = { ...rest, target: Species };
          // vega-datasets marks an unknown sex with ".".
          if (rec.Sex === '.') rec.Sex = null;
          return rec;
        }),
      );
    }
    case 'cars': {
      // Auto MPG (UCI): miles per gallon from the engine, weight, model year and origin; the 8 cars without a
      // value are left out, and the model name (an identifier) is not a feature. Horsepower has missing values.
      return frameFromRecords(
        vegaRows('cars.json')
          .filter((r) => typeof r.Miles_per_Gallon === 'number')
          .map(({ Name: _name, Miles_per_Gallon, Year, ...rest }) => ({ ...rest, Year: Number(String(Year).slice(0, 4)), target: Miles_per_Gallon })),
      );
    }
    case 'seattle_weather':
      return frameFromRecords(vegaCsv('seattle-weather.csv').map((r) => ({ ...dayMeasurements(r), month: monthOf(r), target: r.weather })));
    case 'weather_location':
      return frameFromRecords(vegaCsv('weather.csv').map((r) => ({ ...dayMeasurements(r), weather: r.weather, month: monthOf(r), target: r.location })));
    case 'gapminder':
      // The country is an identifier, not a feature; the cluster is a region code.
      return frameFromRecords(
        vegaRows('gapminder.json').map((r) => ({ year: r.year, fertility: r.fertility, pop: r.pop, cluster: `c${String(r.cluster)}`, target: r.life_expect })),
      );
    case 'movies':
      // Title, director and distributor are identifiers (or nearly: 175 distributors); DVD sales are missing for 82 %.
      return frameFromRecords(
        vegaRows('movies.json')
          .filter((r) => typeof r['IMDB Rating'] === 'number')
          .map((r) => ({
            us_gross: r['US Gross'],
            worldwide_gross: r['Worldwide Gross'],
            budget: r['Production Budget'],
            year: Number(String(r['Release Date']).slice(-4)),
            mpaa: r['MPAA Rating'],
            running_time: r['Running Time min'],
            source: r.Source,
            genre: r['Major Genre'],
            creative_type: r['Creative Type'],
            rotten_tomatoes: r['Rotten Tomatoes Rating'],
            imdb_votes: r['IMDB Votes'],
            target: r['IMDB Rating'],
          })),
      );
    case 'barley':
      return frameFromRecords(vegaRows('barley.json').map((r) => ({ variety: r.variety, site: r.site, year: `y${String(r.year)}`, target: r.yield })));
  }
}

/** A day of vega-datasets' weather files: precipitation, temperatures and wind. */
function dayMeasurements(r: Record<string, string | undefined>): Record<string, number> {
  return {
    precipitation: Number(r.precipitation),
    temp_max: Number(r.temp_max),
    temp_min: Number(r.temp_min),
    wind: Number(r.wind),
  };
}

/** The month (1-12) of a row's ISO date. */
function monthOf(r: Record<string, string | undefined>): number {
  return Number(r.date?.slice(5, 7));
}

function vegaPath(file: string): string {
  const require = createRequire(import.meta.url);
  // The package exports only its entry (build/index.js); the data folder sits beside build/.
  return join(dirname(require.resolve('vega-datasets')), '..', 'data', file);
}

/** A CSV dataset of the vega-datasets package (no quoted fields), as records of strings. */
function vegaCsv(file: string): Record<string, string | undefined>[] {
  const [head, ...lines] = readFileSync(vegaPath(file), 'utf8')
    .split('\n')
    .filter((l) => l.trim().length > 0);
  const names = (head ?? '').split(',');
  return lines.map((l) => {
    const cells = l.split(',');
    return Object.fromEntries(names.map((n, j) => [n, cells[j]]));
  });
}

/** A JSON dataset of the vega-datasets package, as records. */
function vegaRows(file: string): Record<string, unknown>[] {
  return JSON.parse(readFileSync(vegaPath(file), 'utf8')) as Record<string, unknown>[];
}
