#pragma once

#include <QString>

#include <chrono>
#include <optional>

namespace cerulean::local {

// "PT1H30M", "P1D", "PT0.5S" -> milliseconds; nullopt when not an ISO 8601 duration.
std::optional<std::chrono::milliseconds> parseIsoDuration(const QString &text);

} // namespace cerulean::local
