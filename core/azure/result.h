#pragma once

#include "core/azure/azure_error.h"

#include <optional>
#include <utility>
#include <variant>

namespace cerulean::azure {

// Nothing to return but success: Result<Empty>.
using Empty = std::monostate;

// A value or the one error type; errors are values, never exceptions across the event loop.
template <class T>
class Result final
{
public:
    Result(T value) : m_value(std::move(value)) {} // NOLINT: implicit on purpose, like expected
    Result(AzureError error) : m_error(std::move(error)) {} // NOLINT

    bool ok() const { return m_value.has_value(); }
    explicit operator bool() const { return ok(); }

    const T &value() const & { return *m_value; }
    T &value() & { return *m_value; }
    T &&value() && { return std::move(*m_value); }
    const T *operator->() const { return &*m_value; }
    const AzureError &error() const { return m_error; }

private:
    std::optional<T> m_value;
    AzureError m_error;
};

} // namespace cerulean::azure
