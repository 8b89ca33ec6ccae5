#pragma once

// A latency histogram with log-linear buckets in the manner of HdrHistogram: 128 linear
// sub-buckets per power of two, so every recorded value is kept within 1/128 relative
// error (under 0.8 %) from a nanosecond to centuries, in about 60 KB.

#include <chrono>
#include <cstdint>
#include <vector>

namespace cerulean::bench {

class LatencyHistogram final
{
public:
    LatencyHistogram();

    void record(std::chrono::nanoseconds value);
    void merge(const LatencyHistogram &other);
    void clear();

    std::uint64_t count() const { return m_count; }
    std::chrono::nanoseconds min() const;
    std::chrono::nanoseconds max() const;
    std::chrono::nanoseconds mean() const;
    std::chrono::nanoseconds stddev() const;
    // The smallest recorded value v such that `percent` % of the values are <= v (ab's
    // definition), reported as the bucket's upper edge and clamped to [min, max].
    std::chrono::nanoseconds percentile(double percent) const;

    // (bucket upper edge, count) for every non-empty bucket, in increasing order.
    std::vector<std::pair<std::chrono::nanoseconds, std::uint64_t>> buckets() const;

private:
    static constexpr int kSubBits = 8;
    static constexpr std::uint64_t kSubCount = 1u << kSubBits;
    static std::size_t indexOf(std::uint64_t value);
    static std::uint64_t upperEdgeOf(std::size_t index);

    std::vector<std::uint64_t> m_counts;
    std::uint64_t m_count = 0;
    std::uint64_t m_min = UINT64_MAX;
    std::uint64_t m_max = 0;
    long double m_sum = 0;
    long double m_sumSquares = 0;
};

} // namespace cerulean::bench
