#pragma once

// A bound on how deeply a JSON text nests, checked before it is parsed. nlohmann's parser
// itself keeps its own stack, but copying, dumping and walking a parsed document recurse
// once per level: 300,000 nested '[' in a request would overflow the stack and end the
// process. Every server that parses a body or a query checks it with this one function.

#include <cstddef>
#include <optional>
#include <string_view>

namespace cerulean::serving {

// As Azure's front ends (.NET's JSON readers default to a MaxDepth of 64).
inline constexpr std::size_t kMaxJsonDepth = 64;

// Where a JSON text first nests deeper than `maxDepth` arrays and objects: the byte offset
// of the bracket that goes over, or nullopt when it stays within (or is not JSON at all:
// the parser names that). One pass, no allocation; brackets inside strings do not count.
std::optional<std::size_t> jsonTooDeep(std::string_view text, std::size_t maxDepth = kMaxJsonDepth);

} // namespace cerulean::serving
