// Runs the CLI from source in a child process (tests that must kill or signal a real `quicklearn` process).
import { main } from "../../src/cli/main.js";

main(process.argv).then((code) => {
  process.exitCode = code;
});
