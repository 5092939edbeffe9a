import { ceilingFigure } from "./ceiling.js";
import type { FigureDef } from "./figure-def.js";
import { healthFigure } from "./health.js";
import { propagationFigures } from "./propagation.js";
import { requestFigures } from "./requests.js";
import { restartFigure } from "./restart.js";
import { startFigures } from "./start.js";

export { unitOf, type FigureDef } from "./figure-def.js";

const byName = (name: string): FigureDef => {
  const def = [...requestFigures, ...propagationFigures].find((d) => d.names.includes(name));
  if (def === undefined) throw new Error(`no figure ${name}`);
  return def;
};

/**
 * Every figure group in run order: starts first (on a quiet machine), then everything on the
 * embedded instance, then production, so each deployment runs alone.
 */
export const allFigures: readonly FigureDef[] = [
  startFigures,
  byName("read_embedded"),
  ceilingFigure,
  healthFigure,
  byName("write_embedded"),
  ...propagationFigures,
  byName("read"),
  byName("write"),
  restartFigure,
];
