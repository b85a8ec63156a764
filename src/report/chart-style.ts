/** What every chart of the report shares: its look, and figures rounded as the tables show them. */

/** Figures as the tables show them (2 decimals): Vega writes each value into its marks' aria-labels. */
export function shown(v: number): number {
  return Math.round(v * 100) / 100;
}
export function shownOrNull(v: number | null): number | null {
  return v === null ? null : shown(v);
}

const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";
export const CONFIG = {
  font: FONT,
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: "#e6e6e6" },
  legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 260 },
  view: { stroke: null },
};
