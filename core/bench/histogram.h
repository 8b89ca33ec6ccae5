#pragma once

// Request times as ab keeps them: every value (ab's `stats` array), so that percentiles and
// medians are ab's own numbers, not estimates. Beside them, log-linear buckets in the manner
// of HdrHistogram (128 linear sub-buckets per power of two, each within 0.8 % of its values)
// for the distribution charts. Recording appends to a vector reserved up front and bumps a
// bucket: no lock, no allocation per request; each load thread has its own and they are
// merged once at the end.

#include <chrono>
#include <cstdint>
#include <vector>

namespace cerulean::bench {

class LatencyHistogram final
{
public:
    LatencyHistogram();

    void reserve(std::size_t values) { m_values.reserve(values); }
    void record(std::chrono::nanoseconds value);
    void merge(const LatencyHistogram &other);
    void clear();
    // Sorts the kept values (ab's qsort); percentiles are then O(1). Until then they are
    // still right, only slower (a partial sort of a copy per call).
    void sortValues();

    std::uint64_t count() const { return m_count; }
    std::chrono::nanoseconds min() const;
    std::chrono::nanoseconds max() const;
    std::chrono::nanoseconds mean() const;
    // The sample standard deviation (divided by n - 1), as ab prints it.
    std::chrono::nanoseconds stddev() const;

    // ab's "Percentage of the requests served within a certain time" table: the sorted
    // values at index floor(n * percent / 100); 100 % is the longest request.
    std::chrono::nanoseconds percentile(double percent) const;
    // ab's -e CSV file: index (unsigned long)(0.5 + n * percent / 100); 0 % is the shortest
    // and 100 % the longest request.
    std::chrono::nanoseconds csvPercentile(int percent) const;
    // ab's "median" column of the Connection Times table: with an odd count above one, the
    // mean of the values at n/2 and n/2 + 1 (sic); otherwise the value at n/2.
    std::chrono::nanoseconds abMedian() const;

    // (bucket upper edge, count) for every non-empty bucket, in increasing order.
    std::vector<std::pair<std::chrono::nanoseconds, std::uint64_t>> buckets() const;
    // Every recorded value, sorted once sortValues() has run.
    const std::vector<std::int64_t> &values() const { return m_values; }

private:
    static constexpr int kSubBits = 8;
    static constexpr std::uint64_t kSubCount = 1u << kSubBits;
    static std::size_t indexOf(std::uint64_t value);
    static std::uint64_t upperEdgeOf(std::size_t index);
    std::int64_t valueAt(std::size_t index) const;

    std::vector<std::uint64_t> m_counts;
    std::vector<std::int64_t> m_values;
    bool m_sorted = true;
    std::uint64_t m_count = 0;
    std::uint64_t m_min = UINT64_MAX;
    std::uint64_t m_max = 0;
    long double m_sum = 0;
    long double m_sumSquares = 0;
};

} // namespace cerulean::bench
