import { describe, expect, it } from "vitest";
import { runDistributed, torchrunArgs } from "./launch.js";

const spec = { run_id: "r", model: "m", output_dir: "out", eval: { files: ["e.jsonl"] } };

describe("runDistributed's checks before anything starts", () => {
  it("names a missing engine Python and how to make it", async () => {
    const run = runDistributed(spec, { nproc: 2, python: "/nonexistent/bin/python" });
    await expect(run).rejects.toMatchObject({ code: "python_not_found" });
    await expect(run).rejects.toThrow(/\/nonexistent\/bin\/python/);
  });

  it("refuses a process count that is not a whole number >= 1, and a bad spec", async () => {
    await expect(runDistributed(spec, { nproc: 0 })).rejects.toMatchObject({ code: "bad_request" });
    await expect(runDistributed({ ...spec, run_id: "" }, { nproc: 1 })).rejects.toMatchObject({
      code: "bad_spec",
    });
  });
});

describe("torchrunArgs", () => {
  it("is the venv's torchrun on this machine with the launch module and the spec", () => {
    const args = torchrunArgs("/s/spec.json", 4, "cpu");
    expect(args.slice(0, 2)).toEqual(["-m", "torch.distributed.run"]);
    expect(args).toContain("--standalone");
    expect(args).toContain("--nproc_per_node=4");
    expect(args.slice(-4)).toEqual(["--spec", "/s/spec.json", "--device", "cpu"]);
  });

  it("meets on several machines through a static rendezvous instead of --standalone", () => {
    const rendezvous = { nodes: 2, nodeRank: "1", masterAddr: "node-a", masterPort: "29500" };
    const args = torchrunArgs("/s/spec.json", 4, "cuda", rendezvous);
    expect(args).not.toContain("--standalone");
    expect(args.slice(2, 7)).toEqual([
      "--nnodes=2",
      "--node_rank=1",
      "--master_addr=node-a",
      "--master_port=29500",
      "--nproc_per_node=4",
    ]);
  });
});
