import { describe, expect, it } from "vitest";
import { renderSvg } from "./charts.js";

describe("renderSvg", () => {
  it("renders Vega-Lite to SVG in Node with escaped data text", async () => {
    const svg = await renderSvg({
      data: { values: [{ name: `<script>x</script> & "q"`, v: 3 }] },
      mark: "bar",
      encoding: { x: { field: "name", type: "nominal" }, y: { field: "v", type: "quantitative" } },
    });
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg).not.toContain("<script>");
    expect(svg).toContain("&lt;script&gt;");
    expect(svg).toMatch(/class="mark-rect[^"]*"[\s\S]*<path[^>]* d="M/);
  });
});
