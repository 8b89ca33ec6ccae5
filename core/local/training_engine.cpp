#include "core/local/job_runner.h"

namespace cerulean::local {

// The AutoML engine of core/automl is wired in here once it offers a run entry point;
// without it, AutoML jobs fail with a message saying so.
TrainingEngineFactory defaultTrainingEngine() { return {}; }

} // namespace cerulean::local
