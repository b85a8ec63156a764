import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The project root: the folder holding package.json, found from this file whether run from src/ or dist/. */
export const projectRoot: string = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) {
    const up = dirname(dir);
    if (up === dir) throw new Error("quicklearn: cannot find the project root (package.json)");
    dir = up;
  }
  return dir;
})();

/** Data shipped with the project (thesis figures, demo tasks). */
export const assetsDir = join(projectRoot, "assets");

/** The Python of the project's virtual environment, where the engine's requirements are installed. */
export function venvPython(): string {
  return process.env.QUICKLEARN_PYTHON ?? resolve(projectRoot, ".venv", "bin", "python");
}

/** Folder holding the engine's Python package (put on PYTHONPATH when spawning it). */
export const engineDir = join(projectRoot, "engine");
