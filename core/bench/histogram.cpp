#include "core/bench/histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace cerulean::bench {

namespace {
constexpr int kMaxExponent = 64;
}

LatencyHistogram::LatencyHistogram()
    : m_counts(static_cast<std::size_t>(kSubCount + (kMaxExponent - kSubBits) * (kSubCount / 2)), 0)
{
}

// Values below 2^kSubBits map one to one; above, a value with highest bit b lands in
// group (b - kSubBits + 1), sub-bucket given by its next kSubBits bits.
std::size_t LatencyHistogram::indexOf(std::uint64_t value)
{
    if (value < kSubCount)
        return static_cast<std::size_t>(value);
    const int highest = 63 - std::countl_zero(value);
    const int shift = highest - kSubBits + 1;
    const std::uint64_t sub = (value >> shift) - kSubCount / 2; // 0 .. kSubCount/2-1 within the upper half
    return static_cast<std::size_t>(kSubCount + static_cast<std::uint64_t>(shift - 1) * (kSubCount / 2) + sub);
}

std::uint64_t LatencyHistogram::upperEdgeOf(std::size_t index)
{
    if (index < kSubCount)
        return index;
    const std::uint64_t rest = index - kSubCount;
    const int shift = static_cast<int>(rest / (kSubCount / 2)) + 1;
    const std::uint64_t sub = rest % (kSubCount / 2) + kSubCount / 2;
    return ((sub + 1) << shift) - 1;
}

void LatencyHistogram::record(std::chrono::nanoseconds value)
{
    const std::uint64_t v = value.count() < 0 ? 0 : static_cast<std::uint64_t>(value.count());
    const std::size_t index = indexOf(v);
    if (index >= m_counts.size())
        m_counts.resize(index + 1, 0);
    ++m_counts[index];
    if (m_sorted && !m_values.empty() && static_cast<std::int64_t>(v) < m_values.back())
        m_sorted = false;
    m_values.push_back(static_cast<std::int64_t>(v));
    ++m_count;
    m_min = std::min(m_min, v);
    m_max = std::max(m_max, v);
    m_sum += static_cast<long double>(v);
    m_sumSquares += static_cast<long double>(v) * static_cast<long double>(v);
}

void LatencyHistogram::merge(const LatencyHistogram &other)
{
    if (other.m_counts.size() > m_counts.size())
        m_counts.resize(other.m_counts.size(), 0);
    for (std::size_t i = 0; i < other.m_counts.size(); ++i)
        m_counts[i] += other.m_counts[i];
    if (!other.m_values.empty()) {
        if (!m_values.empty() && (!other.m_sorted || other.m_values.front() < m_values.back()))
            m_sorted = false;
        m_sorted = m_sorted && other.m_sorted;
        m_values.insert(m_values.end(), other.m_values.begin(), other.m_values.end());
    }
    m_count += other.m_count;
    m_min = std::min(m_min, other.m_min);
    m_max = std::max(m_max, other.m_max);
    m_sum += other.m_sum;
    m_sumSquares += other.m_sumSquares;
}

void LatencyHistogram::clear()
{
    std::fill(m_counts.begin(), m_counts.end(), 0);
    m_values.clear();
    m_sorted = true;
    m_count = 0;
    m_min = UINT64_MAX;
    m_max = 0;
    m_sum = 0;
    m_sumSquares = 0;
}

void LatencyHistogram::sortValues()
{
    if (!m_sorted)
        std::sort(m_values.begin(), m_values.end());
    m_sorted = true;
}

std::chrono::nanoseconds LatencyHistogram::min() const
{
    return std::chrono::nanoseconds(m_count ? static_cast<std::int64_t>(m_min) : 0);
}

std::chrono::nanoseconds LatencyHistogram::max() const
{
    return std::chrono::nanoseconds(static_cast<std::int64_t>(m_max));
}

std::chrono::nanoseconds LatencyHistogram::mean() const
{
    if (!m_count)
        return std::chrono::nanoseconds(0);
    return std::chrono::nanoseconds(static_cast<std::int64_t>(m_sum / static_cast<long double>(m_count)));
}

std::chrono::nanoseconds LatencyHistogram::stddev() const
{
    if (m_count < 2)
        return std::chrono::nanoseconds(0);
    const long double n = static_cast<long double>(m_count);
    const long double mean = m_sum / n;
    const long double variance = std::max<long double>(0, (m_sumSquares - n * mean * mean) / (n - 1));
    return std::chrono::nanoseconds(static_cast<std::int64_t>(std::sqrt(variance)));
}

// The value at `index` of the sorted values.
std::int64_t LatencyHistogram::valueAt(std::size_t index) const
{
    index = std::min(index, m_values.size() - 1);
    if (m_sorted)
        return m_values[index];
    std::vector<std::int64_t> copy(m_values);
    std::nth_element(copy.begin(), copy.begin() + static_cast<std::ptrdiff_t>(index), copy.end());
    return copy[index];
}

std::chrono::nanoseconds LatencyHistogram::percentile(double percent) const
{
    if (m_values.empty())
        return std::chrono::nanoseconds(0);
    if (percent >= 100.0)
        return max();
    if (percent <= 0.0)
        return min();
    // ab: stats[(unsigned long)done * percs[i] / 100] with integer percents; the same for
    // whole percents here, and the floor of the exact product for fractional ones.
    const double whole = std::floor(percent);
    const auto n = static_cast<unsigned long long>(m_values.size());
    const std::size_t index = whole == percent
                                  ? static_cast<std::size_t>(n * static_cast<unsigned long long>(whole) / 100)
                                  : static_cast<std::size_t>(std::floor(static_cast<double>(n) * percent / 100.0));
    return std::chrono::nanoseconds(valueAt(index));
}

std::chrono::nanoseconds LatencyHistogram::csvPercentile(int percent) const
{
    if (m_values.empty())
        return std::chrono::nanoseconds(0);
    if (percent <= 0)
        return min();
    if (percent >= 100)
        return max();
    const auto index = static_cast<std::size_t>(0.5 + static_cast<double>(m_values.size()) * percent / 100.0);
    return std::chrono::nanoseconds(valueAt(index));
}

std::chrono::nanoseconds LatencyHistogram::abMedian() const
{
    const std::size_t n = m_values.size();
    if (n == 0)
        return std::chrono::nanoseconds(0);
    if (n > 1 && n % 2)
        return std::chrono::nanoseconds((valueAt(n / 2) + valueAt(n / 2 + 1)) / 2);
    return std::chrono::nanoseconds(valueAt(n / 2));
}

std::vector<std::pair<std::chrono::nanoseconds, std::uint64_t>> LatencyHistogram::buckets() const
{
    std::vector<std::pair<std::chrono::nanoseconds, std::uint64_t>> out;
    for (std::size_t i = 0; i < m_counts.size(); ++i) {
        if (m_counts[i])
            out.emplace_back(std::chrono::nanoseconds(static_cast<std::int64_t>(upperEdgeOf(i))), m_counts[i]);
    }
    return out;
}

} // namespace cerulean::bench
