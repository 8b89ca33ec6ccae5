#pragma once

// Column profile of a Dataset: what each column is (numeric, categorical, free text,
// constant, identifier), how complete it is, and summaries the GUI draws.

#include "core/automl/dataset.h"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cerulean::automl {

enum class ColumnKind {
    Numeric,
    Categorical,         // text with few distinct values: one-hot encoded
    HighCardinalityText, // text with many distinct values: frequency/target encoded
    Constant,            // one value and nothing missing: carries no information
    IdLike,              // (nearly) one distinct value per row: a key, not a feature
    AllMissing,          // no value at all
};

// "numeric", "categorical", "high_cardinality_text", "constant", "id_like", "all_missing".
std::string_view toString(ColumnKind kind);

// A text column with at most this many distinct values is categorical. One-hot beyond
// ~100 levels mostly adds sparse noise for linear models and slows trees; Azure switches
// to hashing encoders in the same range.
inline constexpr std::size_t kMaxCategoricalDistinct = 100;
// A text column whose distinct values cover at least this share of its non-missing rows
// is an identifier (GUIDs, names, hashes): nothing repeats, so nothing can be learned.
inline constexpr double kIdLikeDistinctShare = 0.95;
// Below this many non-missing rows "every value is unique" is not evidence of an ID.
inline constexpr std::size_t kIdLikeMinRows = 50;
// Equal-width bins of the numeric histogram: enough for a shape, small enough to draw.
inline constexpr std::size_t kHistogramBins = 20;
// Categories listed with their counts, most frequent first.
inline constexpr std::size_t kTopCategories = 20;

struct NumericSummary final {
    double min = 0;
    double max = 0;
    double mean = 0;
    double std = 0; // sample standard deviation (n - 1)
    double p05 = 0;
    double p25 = 0;
    double median = 0;
    double p75 = 0;
    double p95 = 0;
};

struct CategoryCount final {
    std::string value;
    std::size_t count = 0;
};

struct HistogramBin final {
    double low = 0;
    double high = 0;
    std::size_t count = 0;
};

struct ColumnProfile final {
    std::string name;
    std::size_t index = 0;    // position in the Dataset
    ColumnKind kind = ColumnKind::Numeric;
    bool numericStorage = true; // how the Dataset stores it
    std::size_t missing = 0;
    std::size_t distinct = 0;  // distinct non-missing values
    std::optional<NumericSummary> summary;     // numeric storage with values
    std::vector<CategoryCount> topCategories;  // every column: most frequent values
    std::vector<HistogramBin> histogram;       // numeric storage with values
    std::string reason;        // why this kind, in a user's words
};

struct DatasetProfile final {
    std::size_t rows = 0;
    std::vector<ColumnProfile> columns;

    const ColumnProfile *find(std::string_view name) const;
};

DatasetProfile profileDataset(const Dataset &data);
ColumnProfile profileColumn(const Column &column, std::size_t index);

} // namespace cerulean::automl
