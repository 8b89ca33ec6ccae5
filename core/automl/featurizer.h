#pragma once

// Turns raw columns into the float matrix learners train on: imputation, one-hot,
// frequency or out-of-fold target encoding, optional scaling. Fitted once on training
// rows; applied to any rows, including single scoring requests, without allocating.

#include "core/automl/dataset.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace cerulean::automl {

// Row-major features. rawColumn[j] is the input column (schema order) feature j comes from.
struct FeatureMatrix final {
    std::size_t rows = 0;
    std::size_t cols = 0;
    std::vector<float> values;
    std::vector<std::string> names;
    std::vector<int> rawColumn;

    float at(std::size_t row, std::size_t col) const { return values[row * cols + col]; }
};

enum class Scaling {
    None,
    MaxAbs,   // x / max|x|: keeps zeros (one-hot) at zero
    Standard, // (x - mean) / std
};

enum class NumericImputation { Mean, Median };

enum class HighCardinalityEncoding {
    Frequency,      // share of training rows with the value
    TargetEncoding, // smoothed per-class rate; out of fold on the training rows
};

// What the featurizer does with one input column.
enum class ColumnTransform {
    Numeric,        // imputed value (+ missing indicator when training had missing values)
    OneHot,         // one feature per training category; unseen or missing: all zeros
    Frequency,
    TargetEncoding, // one feature (binary) or one per class (multiclass)
    Dropped,        // constant, ID-like, all missing, or excluded by the user
};

std::string_view toString(ColumnTransform transform);

struct FeaturizerOptions final {
    NumericImputation imputation = NumericImputation::Mean; // Azure imputes the mean
    bool missingIndicators = true;
    // Text columns with more distinct values than this are not one-hot encoded.
    std::size_t maxOneHotCategories = 100;
    HighCardinalityEncoding highCardinality = HighCardinalityEncoding::Frequency;
    int targetEncodingFolds = 5;
    // Pseudo-rows of the prior blended into each category's rate, so rare values do
    // not get extreme encodings.
    double targetEncodingSmoothing = 10.0;
    Scaling scaling = Scaling::None;
    std::uint64_t seed = 42;
    std::vector<std::string> excludedColumns;
};

struct InputColumnInfo final {
    std::string name;
    bool numeric = true;      // expects numbers
    ColumnTransform transform = ColumnTransform::Numeric;
    std::size_t firstFeature = 0;
    std::size_t featureCount = 0;
};

struct FittedFeaturizer;

class Featurizer final {
public:
    Featurizer() = default;

    // Fits on `train` (every column but `targetColumn`, -1 for none). `labels` are class
    // indices per row (-1 = missing) and are needed only for target encoding.
    static Result<FittedFeaturizer> fit(const Dataset &train, int targetColumn, const std::vector<int> &labels,
                                        int classCount, const FeaturizerOptions &options = {});

    // Rows of `data`, columns matched by name (extra columns ignored; a missing one is an
    // error naming it). Text where a number is expected is parsed, else an error.
    Result<FeatureMatrix> transform(const Dataset &data) const;
    // One row in input-column order into `out` (featureCount() floats). No allocation.
    std::optional<Error> transformRow(std::span<const Cell> row, std::span<float> out) const;
    Result<FeatureMatrix> transformRows(const std::vector<std::vector<Cell>> &rows) const;

    std::size_t featureCount() const { return m_names.size(); }
    const std::vector<std::string> &featureNames() const { return m_names; }
    const std::vector<int> &featureRawColumns() const { return m_rawColumn; }
    const std::vector<InputColumnInfo> &inputColumns() const { return m_inputs; }
    Scaling scaling() const { return m_scaling; }
    // The scaler's name as Azure's leaderboard writes it ("MaxAbsScaler", ...), "" for none.
    std::string scalerName() const;

    std::string toJson() const;
    static Result<Featurizer> fromJson(std::string_view json);

private:
    struct StringHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
    };
    // Category text → position, looked up by string_view without allocating.
    using CategoryIndex = std::unordered_map<std::string, int, StringHash, std::equal_to<>>;

    struct ColumnState {
        double fill = 0;                     // numeric: imputed value
        bool indicator = false;              // numeric: emits a missing indicator
        std::vector<std::string> categories; // known values (one-hot, frequency, target)
        std::vector<double> encoding;        // frequency: 1 per category; target: classes per category
        std::vector<double> unseen;          // frequency/target: the encoding of unseen or missing
    };

    void buildIndex();
    std::optional<Error> encodeCell(std::size_t input, const Cell &cell, float *out) const;
    void encodeMissing(std::size_t input, float *out) const;
    void encodeText(std::size_t input, std::string_view text, float *out) const;
    void finishScaling(float *row) const;

    std::vector<InputColumnInfo> m_inputs;
    std::vector<ColumnState> m_states;
    std::vector<CategoryIndex> m_index;
    std::vector<std::string> m_names;
    std::vector<int> m_rawColumn;
    int m_classCount = 0;
    Scaling m_scaling = Scaling::None;
    std::vector<double> m_center; // per feature, subtracted
    std::vector<double> m_scale;  // per feature, multiplied

    friend class FeaturizerFitter;
};

struct FittedFeaturizer final {
    Featurizer featurizer;
    FeatureMatrix train; // training rows; target encoding out of fold
};

} // namespace cerulean::automl
