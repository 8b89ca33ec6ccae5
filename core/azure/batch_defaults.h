#pragma once

// What a batch deployment does when it does not say: one name shared by the client (the batch
// run, the Pipelines step, `cerulean-cli pipeline batch-*`) and the local service's batch scorer.
// Header only, so that core/local reads the same constant without linking the client.

namespace cerulean::azure {

// The file a batch deployment appends its rows to (output action AppendRow) when it names
// none: the name Azure ML's parallel run step gives it.
inline constexpr char kBatchOutputFileName[] = "parallel_run_step.txt";

} // namespace cerulean::azure
