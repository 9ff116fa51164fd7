/**
 * Named colour scales as explicit Plotly colour stops. plotly.js knows only a few names (no RdYlGn,
 * Plasma or Magma: an unknown name silently falls back to its default), and its RdBu runs blue→red
 * where matplotlib's runs red→blue. The stops here are matplotlib's colormaps sampled at 11 points, so
 * a TypeScript notebook (Plotly) and a Python one (matplotlib, same name) colour a value alike:
 * the low end is the first colour, the high end the last.
 */
import { StratlabError } from '../core/errors';

const STOPS: Record<string, string[]> = {
  RdYlGn: ['#a50026', '#d62f27', '#f46d43', '#fdad60', '#fee08b', '#feffbe', '#d9ef8b', '#a5d86a', '#66bd63', '#199750', '#006837'],
  RdBu: ['#67001f', '#b1182b', '#d6604d', '#f3a481', '#fddbc7', '#f6f7f7', '#d1e5f0', '#90c4dd', '#4393c3', '#2065ab', '#053061'],
  Viridis: ['#440154', '#482475', '#414487', '#355f8d', '#2a788e', '#21918c', '#22a884', '#44bf70', '#7ad151', '#bddf26', '#fde725'],
  Plasma: ['#0d0887', '#41049d', '#6a00a8', '#8f0da4', '#b12a90', '#cc4778', '#e16462', '#f2844b', '#fca636', '#fcce25', '#f0f921'],
  Magma: ['#000004', '#140e36', '#3b0f70', '#641a80', '#8c2981', '#b73779', '#de4968', '#f7705c', '#fe9f6d', '#fecf92', '#fcfdbf'],
  Blues: ['#f7fbff', '#e3eef9', '#d0e1f2', '#b7d4ea', '#94c4df', '#6aaed6', '#4a98c9', '#2e7ebc', '#1764ab', '#084a91', '#08306b'],
  Reds: ['#fff5f0', '#fee5d8', '#fdcab5', '#fcab8f', '#fc8a6a', '#fb694a', '#f14432', '#d92523', '#bc141a', '#980c13', '#67000d'],
  Greens: ['#f7fcf5', '#e9f7e5', '#d3eecd', '#b8e3b2', '#98d594', '#73c476', '#4bb062', '#2f974e', '#157f3b', '#006428', '#00441b'],
};

/** The colour of cells outside the scale (disqualified), in both kernels. */
export const DISQUALIFIED_COLOR = '#bdbdbd';

export type ColorscaleName = keyof typeof STOPS;

export function colorscaleNames(): string[] {
  return Object.keys(STOPS);
}

/** `name` (any case) as Plotly colour stops, low value first. */
export function colorscale(name: string): [number, string][] {
  const key = Object.keys(STOPS).find((k) => k.toLowerCase() === name.toLowerCase());
  if (!key) throw new StratlabError('BAD_ARGUMENT', `colour scale '${name}': unknown`, { hint: `known: ${colorscaleNames().join(', ')}` });
  const stops = STOPS[key];
  return stops.map((c, i) => [i / (stops.length - 1), c]);
}
