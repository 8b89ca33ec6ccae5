#pragma once

// The Swagger 2.0 (and OpenAPI 3) document of a scoring endpoint, in the shape Azure ML
// deployments serve at /swagger.json: /score with an example request built from the
// model's example row, definitions with each column's type and its categories as enums.

#include "core/serving/scorer.h"

#include <string>

namespace cerulean::serving {

struct SwaggerInfo
{
    std::string title = "cerulean-endpoint";
    std::string version = "1.0";
    std::string host; // "127.0.0.1:5001"; empty leaves it out (the client's host is used)
};

std::string swagger2(const ScoringSchema &schema, const SwaggerInfo &info);
std::string openApi3(const ScoringSchema &schema, const SwaggerInfo &info);

} // namespace cerulean::serving
