/**
 * The `tracking` line every example study carries, commented out (tracking is off unless asked for):
 * one text, so that each preset `quicklearn init` writes offers it the same way and uncommenting it turns
 * tracking on. Top level, in column 0, so that deleting the leading `# ` leaves a valid study field.
 */
export const TRACKING_LINE =
  "# tracking: tensorboard  # also write each run's train log as TensorBoard event files (docs/engine.md)";
