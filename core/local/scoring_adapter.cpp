#include "core/local/deployment_host.h"

namespace cerulean::local {

// The scoring server of core/serving is wired in here once it offers one; without it a
// deployment ends Failed with a message saying so.
ScoringServerFactory defaultScoringServer() { return {}; }

} // namespace cerulean::local
