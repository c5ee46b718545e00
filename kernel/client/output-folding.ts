import type { KernelOutput } from "../messages.js";
import { appendStream, type OutputCap } from "../stream-cap.js";

/**
 * Folds one more output into a cell's outputs as they should be saved: a stream write continues the last output when
 * it is the same stream (bounded by `cap`), a display update replaces the data of the display it names (so no update
 * entries remain), anything else is appended.
 */
export function foldOutput(outputs: KernelOutput[], output: KernelOutput, cap: OutputCap | undefined): void {
  if (output.output_type === "stream") {
    const last = outputs[outputs.length - 1];
    if (last?.output_type === "stream" && last.name === output.name) outputs[outputs.length - 1] = appendStream(last, output, cap);
    else outputs.push(appendStream(undefined, output, cap));
  } else if (output.output_type === "update_display_data") {
    for (let i = 0; i < outputs.length; i++) {
      const shown = outputs[i]!;
      if (shown.output_type === "display_data" && shown.display_id === output.display_id) {
        outputs[i] = { ...shown, data: output.data, metadata: output.metadata };
      }
    }
  } else outputs.push(output);
}
