#include "core/automl/featurizer.h"

#include "core/automl/csv.h"
#include "core/automl/profile.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <random>
#include <unordered_map>

namespace cerulean::automl {

namespace {

constexpr int kFormatVersion = 1;

std::string_view scalingName(Scaling scaling)
{
    switch (scaling) {
    case Scaling::None:
        return "none";
    case Scaling::MaxAbs:
        return "max_abs";
    case Scaling::Standard:
        return "standard";
    }
    return "none";
}

bool scalingFromName(std::string_view name, Scaling &scaling)
{
    for (Scaling s : {Scaling::None, Scaling::MaxAbs, Scaling::Standard}) {
        if (scalingName(s) == name) {
            scaling = s;
            return true;
        }
    }
    return false;
}

bool transformFromName(std::string_view name, ColumnTransform &transform)
{
    for (ColumnTransform t : {ColumnTransform::Numeric, ColumnTransform::OneHot, ColumnTransform::Frequency,
                              ColumnTransform::TargetEncoding, ColumnTransform::Dropped}) {
        if (toString(t) == name) {
            transform = t;
            return true;
        }
    }
    return false;
}

// Fold of each row: a seeded Fisher-Yates permutation dealt round-robin, so folds are
// balanced and identical on every platform.
std::vector<int> assignFolds(std::size_t rows, int folds, std::uint64_t seed)
{
    std::vector<std::size_t> order(rows);
    for (std::size_t i = 0; i < rows; ++i)
        order[i] = i;
    std::mt19937_64 rng(seed);
    for (std::size_t i = rows; i > 1; --i) {
        const std::size_t j = static_cast<std::size_t>(rng() % i);
        std::swap(order[i - 1], order[j]);
    }
    std::vector<int> fold(rows);
    for (std::size_t i = 0; i < rows; ++i)
        fold[order[i]] = static_cast<int>(i % static_cast<std::size_t>(folds));
    return fold;
}

} // namespace

std::string_view toString(ColumnTransform transform)
{
    switch (transform) {
    case ColumnTransform::Numeric:
        return "numeric";
    case ColumnTransform::OneHot:
        return "one_hot";
    case ColumnTransform::Frequency:
        return "frequency";
    case ColumnTransform::TargetEncoding:
        return "target_encoding";
    case ColumnTransform::Dropped:
        return "dropped";
    }
    return "numeric";
}

// Builds a Featurizer from training rows; a friend so the fitted state stays private. One
// fitter per fit: columns first, then target encodings, the training matrix and scaling.
class FeaturizerFitter final {
public:
    static Result<FittedFeaturizer> fit(const Dataset &train, int targetColumn, const std::vector<int> &labels,
                                        int classCount, const FeaturizerOptions &options);

private:
    using ColumnState = Featurizer::ColumnState;
    using CategoryIndex = Featurizer::CategoryIndex;

    FeaturizerFitter(const Dataset &train, const std::vector<int> &labels, int classCount,
                     const FeaturizerOptions &options);

    void addColumn(const Column &column, std::size_t index);
    void fitNumeric(const Column &column, const ColumnProfile &profile, ColumnState &state) const;
    ColumnTransform fitText(const Column &column, ColumnState &state) const;
    void addFeatureNames(const Column &column, InputColumnInfo &info, const ColumnState &state);
    void fitPrior();
    // rates[category * encodedClasses + k] from the rows where include(row) holds.
    template <typename Include>
    std::vector<double> targetRates(const CategoryIndex &index, const Column &column, Include include) const;
    void fitTargetEncodings();
    Result<FeatureMatrix> trainingMatrix();
    void encodeOutOfFold(std::size_t input, const std::vector<int> &folds, FeatureMatrix &matrix) const;
    void fitScaling(FeatureMatrix &matrix);

    const Dataset &m_train;
    const std::vector<int> &m_labels;
    const FeaturizerOptions &m_options;
    const bool m_haveLabels;
    const int m_classCount;
    const int m_encodedClasses;
    const int m_classOffset; // binary: encode the second class's rate
    FittedFeaturizer m_fitted;
    Featurizer &m_f;
    std::vector<const Column *> m_sources; // per input column
    std::vector<double> m_prior;           // class shares, for smoothing target rates
};

FeaturizerFitter::FeaturizerFitter(const Dataset &train, const std::vector<int> &labels, int classCount,
                                   const FeaturizerOptions &options)
    : m_train(train), m_labels(labels), m_options(options),
      m_haveLabels(labels.size() == train.rows && classCount >= 2), m_classCount(classCount),
      m_encodedClasses(m_haveLabels ? (classCount == 2 ? 1 : classCount) : 0),
      m_classOffset(m_encodedClasses == 1 ? 1 : 0), m_f(m_fitted.featurizer)
{
    m_f.m_scaling = options.scaling;
    m_f.m_classCount = m_haveLabels ? classCount : 0;
}

Result<FittedFeaturizer> FeaturizerFitter::fit(const Dataset &train, int targetColumn, const std::vector<int> &labels,
                                               int classCount, const FeaturizerOptions &options)
{
    if (train.rows == 0)
        return Error{"no training rows to fit the featurizer on"};
    if (!labels.empty() && labels.size() != train.rows) {
        return Error{"featurizer: " + std::to_string(labels.size()) + " labels for " + std::to_string(train.rows) +
                     " rows"};
    }
    FeaturizerFitter fitter(train, labels, classCount, options);
    for (std::size_t i = 0; i < train.columns.size(); ++i) {
        if (static_cast<int>(i) != targetColumn)
            fitter.addColumn(train.columns[i], i);
    }
    if (fitter.m_f.m_names.empty())
        return Error{"no usable feature: every column is constant, an identifier, empty or excluded"};
    fitter.fitPrior();
    fitter.m_f.buildIndex();
    fitter.fitTargetEncodings();
    auto matrix = fitter.trainingMatrix();
    if (!matrix)
        return Error{matrix.error()};
    fitter.m_fitted.train = std::move(matrix).value();
    fitter.fitScaling(fitter.m_fitted.train);
    return std::move(fitter.m_fitted);
}

void FeaturizerFitter::addColumn(const Column &column, std::size_t index)
{
    m_sources.push_back(&column);
    InputColumnInfo info;
    info.name = column.name;
    info.numeric = column.numeric;
    ColumnState state;
    const bool excluded = std::find(m_options.excludedColumns.begin(), m_options.excludedColumns.end(),
                                    column.name) != m_options.excludedColumns.end();
    const ColumnProfile profile = profileColumn(column, index);
    const bool useless = profile.kind == ColumnKind::Constant || profile.kind == ColumnKind::IdLike ||
                         profile.kind == ColumnKind::AllMissing;
    if (excluded || useless) {
        info.transform = ColumnTransform::Dropped;
    } else if (column.numeric) {
        info.transform = ColumnTransform::Numeric;
        fitNumeric(column, profile, state);
    } else {
        info.transform = fitText(column, state);
    }
    addFeatureNames(column, info, state);
    m_f.m_inputs.push_back(std::move(info));
    m_f.m_states.push_back(std::move(state));
}

// The value that fills a missing cell, and whether a missing indicator goes with it.
void FeaturizerFitter::fitNumeric(const Column &column, const ColumnProfile &profile, ColumnState &state) const
{
    std::vector<double> values;
    values.reserve(column.numbers.size());
    for (double v : column.numbers) {
        if (!std::isnan(v))
            values.push_back(v);
    }
    if (m_options.imputation == NumericImputation::Median) {
        const std::size_t mid = values.size() / 2;
        std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(mid), values.end());
        double median = values[mid];
        if (values.size() % 2 == 0) {
            const double below = *std::max_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(mid));
            median = (median + below) / 2.0;
        }
        state.fill = median;
    } else {
        double sum = 0;
        for (double v : values)
            sum += v;
        state.fill = sum / static_cast<double>(values.size());
    }
    state.indicator = m_options.missingIndicators && profile.missing > 0;
}

// Categories by frequency (most frequent first, then by text) so the mode is category 0 and
// the order does not depend on hashing; few become one-hot columns, many one encoded column.
ColumnTransform FeaturizerFitter::fitText(const Column &column, ColumnState &state) const
{
    std::unordered_map<std::string_view, std::size_t> counts;
    std::size_t present = 0;
    for (std::size_t r = 0; r < column.text.size(); ++r) {
        if (!column.missing[r]) {
            ++counts[column.text[r]];
            ++present;
        }
    }
    std::vector<std::pair<std::string_view, std::size_t>> sorted(counts.begin(), counts.end());
    std::sort(sorted.begin(), sorted.end(), [](const auto &a, const auto &b) {
        return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    for (const auto &entry : sorted)
        state.categories.emplace_back(entry.first);
    if (sorted.size() <= m_options.maxOneHotCategories)
        return ColumnTransform::OneHot;
    if (m_options.highCardinality == HighCardinalityEncoding::TargetEncoding && m_haveLabels)
        return ColumnTransform::TargetEncoding;
    for (const auto &entry : sorted)
        state.encoding.push_back(static_cast<double>(entry.second) / static_cast<double>(present));
    state.unseen = {0.0};
    return ColumnTransform::Frequency;
}

void FeaturizerFitter::addFeatureNames(const Column &column, InputColumnInfo &info, const ColumnState &state)
{
    std::vector<std::string> &names = m_f.m_names;
    info.firstFeature = names.size();
    const int raw = static_cast<int>(m_f.m_inputs.size());
    switch (info.transform) {
    case ColumnTransform::Numeric:
        names.push_back(column.name);
        if (state.indicator)
            names.push_back(column.name + "_missing");
        break;
    case ColumnTransform::OneHot:
        for (const auto &category : state.categories)
            names.push_back(column.name + "=" + category);
        break;
    case ColumnTransform::Frequency:
        names.push_back(column.name + "_frequency");
        break;
    case ColumnTransform::TargetEncoding:
        if (m_encodedClasses == 1) {
            names.push_back(column.name + "_target");
        } else {
            for (int k = 0; k < m_encodedClasses; ++k)
                names.push_back(column.name + "_target_" + std::to_string(k));
        }
        break;
    case ColumnTransform::Dropped:
        break;
    }
    info.featureCount = names.size() - info.firstFeature;
    m_f.m_rawColumn.resize(names.size(), raw);
}

void FeaturizerFitter::fitPrior()
{
    if (!m_haveLabels)
        return;
    m_prior.assign(static_cast<std::size_t>(m_classCount), 0.0);
    std::size_t labelled = 0;
    for (int label : m_labels) {
        if (label >= 0 && label < m_classCount) {
            m_prior[static_cast<std::size_t>(label)] += 1;
            ++labelled;
        }
    }
    for (double &p : m_prior)
        p = labelled > 0 ? p / static_cast<double>(labelled) : 0.0;
}

template <typename Include>
std::vector<double> FeaturizerFitter::targetRates(const CategoryIndex &index, const Column &column,
                                                  Include include) const
{
    const std::size_t categories = index.size();
    const auto encoded = static_cast<std::size_t>(m_encodedClasses);
    const double m = m_options.targetEncodingSmoothing;
    std::vector<double> totals(categories, 0.0);
    std::vector<double> hits(categories * encoded, 0.0);
    for (std::size_t r = 0; r < column.text.size(); ++r) {
        if (column.missing[r] || m_labels[r] < 0 || !include(r))
            continue;
        const auto found = index.find(std::string_view(column.text[r]));
        if (found == index.end())
            continue;
        const auto c = static_cast<std::size_t>(found->second);
        totals[c] += 1;
        const int k = m_labels[r] - m_classOffset;
        if (k >= 0 && k < m_encodedClasses)
            hits[c * encoded + static_cast<std::size_t>(k)] += 1;
    }
    std::vector<double> rates(hits.size());
    for (std::size_t c = 0; c < categories; ++c) {
        for (int k = 0; k < m_encodedClasses; ++k) {
            const std::size_t at = c * encoded + static_cast<std::size_t>(k);
            rates[at] = (hits[at] + m * m_prior[static_cast<std::size_t>(k + m_classOffset)]) / (totals[c] + m);
        }
    }
    return rates;
}

// Target encoding of new rows: the rates of all training rows.
void FeaturizerFitter::fitTargetEncodings()
{
    for (std::size_t i = 0; i < m_f.m_inputs.size(); ++i) {
        if (m_f.m_inputs[i].transform != ColumnTransform::TargetEncoding)
            continue;
        auto &state = m_f.m_states[i];
        state.encoding = targetRates(m_f.m_index[i], *m_sources[i], [](std::size_t) { return true; });
        state.unseen.clear();
        for (int k = 0; k < m_encodedClasses; ++k)
            state.unseen.push_back(m_prior[static_cast<std::size_t>(k + m_classOffset)]);
    }
}

// Training matrix: the ordinary transform (unscaled), then target-encoded columns overwritten
// with out-of-fold rates so learners never see a row's own label in its features.
Result<FeatureMatrix> FeaturizerFitter::trainingMatrix()
{
    m_f.m_center.assign(m_f.m_names.size(), 0.0);
    m_f.m_scale.assign(m_f.m_names.size(), 1.0);
    const Scaling scaling = m_f.m_scaling;
    m_f.m_scaling = Scaling::None;
    auto raw = m_f.transform(m_train);
    m_f.m_scaling = scaling;
    if (!raw)
        return Error{raw.error()};
    FeatureMatrix matrix = std::move(raw).value();
    std::vector<int> folds;
    for (std::size_t i = 0; i < m_f.m_inputs.size(); ++i) {
        if (m_f.m_inputs[i].transform != ColumnTransform::TargetEncoding)
            continue;
        if (folds.empty())
            folds = assignFolds(m_train.rows, std::max(2, m_options.targetEncodingFolds), m_options.seed);
        encodeOutOfFold(i, folds, matrix);
    }
    return matrix;
}

void FeaturizerFitter::encodeOutOfFold(std::size_t input, const std::vector<int> &folds, FeatureMatrix &matrix) const
{
    const Column &column = *m_sources[input];
    const CategoryIndex &index = m_f.m_index[input];
    const std::size_t first = m_f.m_inputs[input].firstFeature;
    const auto encoded = static_cast<std::size_t>(m_encodedClasses);
    for (int fold = 0; fold < std::max(2, m_options.targetEncodingFolds); ++fold) {
        const auto rates = targetRates(index, column, [&](std::size_t r) { return folds[r] != fold; });
        for (std::size_t r = 0; r < m_train.rows; ++r) {
            if (folds[r] != fold || column.missing[r])
                continue;
            const auto found = index.find(std::string_view(column.text[r]));
            if (found == index.end())
                continue;
            const auto c = static_cast<std::size_t>(found->second);
            for (std::size_t k = 0; k < encoded; ++k)
                matrix.values[r * matrix.cols + first + k] = static_cast<float>(rates[c * encoded + k]);
        }
    }
}

// Scaling, fitted on the training matrix and applied to it in place.
void FeaturizerFitter::fitScaling(FeatureMatrix &matrix)
{
    const Scaling scaling = m_f.m_scaling;
    if (scaling == Scaling::None)
        return;
    const std::size_t cols = matrix.cols;
    for (std::size_t j = 0; j < cols; ++j) {
        if (scaling == Scaling::MaxAbs) {
            double maxAbs = 0;
            for (std::size_t r = 0; r < matrix.rows; ++r)
                maxAbs = std::max(maxAbs, std::fabs(static_cast<double>(matrix.values[r * cols + j])));
            m_f.m_scale[j] = maxAbs > 0 ? 1.0 / maxAbs : 1.0;
        } else {
            double sum = 0;
            for (std::size_t r = 0; r < matrix.rows; ++r)
                sum += matrix.values[r * cols + j];
            const double mean = sum / static_cast<double>(matrix.rows);
            double squares = 0;
            for (std::size_t r = 0; r < matrix.rows; ++r) {
                const double d = matrix.values[r * cols + j] - mean;
                squares += d * d;
            }
            const double sd = std::sqrt(squares / static_cast<double>(matrix.rows));
            m_f.m_center[j] = mean;
            m_f.m_scale[j] = sd > 0 ? 1.0 / sd : 1.0;
        }
    }
    for (std::size_t r = 0; r < matrix.rows; ++r) {
        for (std::size_t j = 0; j < cols; ++j) {
            float &v = matrix.values[r * cols + j];
            v = static_cast<float>((static_cast<double>(v) - m_f.m_center[j]) * m_f.m_scale[j]);
        }
    }
}

Result<FittedFeaturizer> Featurizer::fit(const Dataset &train, int targetColumn, const std::vector<int> &labels,
                                         int classCount, const FeaturizerOptions &options)
{
    return FeaturizerFitter::fit(train, targetColumn, labels, classCount, options);
}

void Featurizer::buildIndex()
{
    m_index.assign(m_states.size(), CategoryIndex{});
    for (std::size_t i = 0; i < m_states.size(); ++i) {
        const auto &categories = m_states[i].categories;
        m_index[i].reserve(categories.size());
        for (std::size_t c = 0; c < categories.size(); ++c)
            m_index[i].emplace(categories[c], static_cast<int>(c));
    }
}

std::string Featurizer::scalerName() const
{
    switch (m_scaling) {
    case Scaling::None:
        return {};
    case Scaling::MaxAbs:
        return "MaxAbsScaler";
    case Scaling::Standard:
        return "StandardScalerWrapper";
    }
    return {};
}

void Featurizer::encodeMissing(std::size_t input, float *out) const
{
    const InputColumnInfo &info = m_inputs[input];
    const ColumnState &state = m_states[input];
    switch (info.transform) {
    case ColumnTransform::Numeric:
        out[0] = static_cast<float>(state.fill);
        if (state.indicator)
            out[1] = 1.0f;
        break;
    case ColumnTransform::OneHot:
        // Most frequent category, as Azure imputes categoricals.
        std::fill(out, out + info.featureCount, 0.0f);
        if (info.featureCount > 0)
            out[0] = 1.0f;
        break;
    case ColumnTransform::Frequency:
        out[0] = static_cast<float>(state.encoding.empty() ? 0.0 : state.encoding[0]);
        break;
    case ColumnTransform::TargetEncoding:
        for (std::size_t k = 0; k < info.featureCount; ++k)
            out[k] = static_cast<float>(state.unseen[k]);
        break;
    case ColumnTransform::Dropped:
        break;
    }
}

void Featurizer::encodeText(std::size_t input, std::string_view text, float *out) const
{
    const InputColumnInfo &info = m_inputs[input];
    const ColumnState &state = m_states[input];
    const auto found = m_index[input].find(text);
    const int category = found == m_index[input].end() ? -1 : found->second;
    switch (info.transform) {
    case ColumnTransform::OneHot:
        std::fill(out, out + info.featureCount, 0.0f); // unseen: all zeros
        if (category >= 0)
            out[category] = 1.0f;
        break;
    case ColumnTransform::Frequency:
        out[0] = static_cast<float>(category >= 0 ? state.encoding[static_cast<std::size_t>(category)] : state.unseen[0]);
        break;
    case ColumnTransform::TargetEncoding:
        for (std::size_t k = 0; k < info.featureCount; ++k) {
            out[k] = static_cast<float>(category >= 0 ? state.encoding[static_cast<std::size_t>(category) * info.featureCount + k]
                                                      : state.unseen[k]);
        }
        break;
    case ColumnTransform::Numeric:
    case ColumnTransform::Dropped:
        break;
    }
}

std::optional<Error> Featurizer::encodeCell(std::size_t input, const Cell &cell, float *out) const
{
    const InputColumnInfo &info = m_inputs[input];
    if (info.transform == ColumnTransform::Dropped)
        return std::nullopt;
    if (std::holds_alternative<std::monostate>(cell)) {
        encodeMissing(input, out);
        return std::nullopt;
    }
    if (info.transform == ColumnTransform::Numeric) {
        double value = 0;
        if (const auto *number = std::get_if<double>(&cell)) {
            value = *number;
        } else {
            const auto &text = std::get<std::string>(cell);
            if (isMissingToken(text)) {
                encodeMissing(input, out);
                return std::nullopt;
            }
            if (!parseNumber(text, value))
                return Error{"column '" + info.name + "': '" + text + "' is not a number"};
        }
        if (std::isnan(value)) {
            encodeMissing(input, out);
            return std::nullopt;
        }
        out[0] = static_cast<float>(value);
        if (m_states[input].indicator)
            out[1] = 0.0f;
        return std::nullopt;
    }
    if (const auto *number = std::get_if<double>(&cell)) {
        if (std::isnan(*number)) {
            encodeMissing(input, out);
            return std::nullopt;
        }
        // Numbers sent for a text column match categories written the same way ("3").
        char buffer[64];
        const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, *number);
        encodeText(input, std::string_view(buffer, ec == std::errc() ? static_cast<std::size_t>(end - buffer) : 0), out);
        return std::nullopt;
    }
    const auto &text = std::get<std::string>(cell);
    if (isMissingToken(text))
        encodeMissing(input, out);
    else
        encodeText(input, text, out);
    return std::nullopt;
}

void Featurizer::finishScaling(float *row) const
{
    if (m_scaling == Scaling::None)
        return;
    for (std::size_t j = 0; j < m_names.size(); ++j)
        row[j] = static_cast<float>((static_cast<double>(row[j]) - m_center[j]) * m_scale[j]);
}

std::optional<Error> Featurizer::transformRow(std::span<const Cell> row, std::span<float> out) const
{
    if (row.size() != m_inputs.size()) {
        return Error{"expected " + std::to_string(m_inputs.size()) + " values in a row, got " +
                     std::to_string(row.size())};
    }
    if (out.size() < m_names.size())
        return Error{"the output holds fewer values than the " + std::to_string(m_names.size()) + " features"};
    for (std::size_t i = 0; i < m_inputs.size(); ++i) {
        if (auto error = encodeCell(i, row[i], out.data() + m_inputs[i].firstFeature))
            return error;
    }
    finishScaling(out.data());
    return std::nullopt;
}

Result<FeatureMatrix> Featurizer::transformRows(const std::vector<std::vector<Cell>> &rows) const
{
    FeatureMatrix matrix;
    matrix.rows = rows.size();
    matrix.cols = m_names.size();
    matrix.names = m_names;
    matrix.rawColumn = m_rawColumn;
    matrix.values.resize(matrix.rows * matrix.cols);
    for (std::size_t r = 0; r < rows.size(); ++r) {
        if (auto error = transformRow(rows[r], std::span<float>(matrix.values.data() + r * matrix.cols, matrix.cols)))
            return Error{"row " + std::to_string(r + 1) + ": " + error->message};
    }
    return matrix;
}

Result<FeatureMatrix> Featurizer::transform(const Dataset &data) const
{
    std::vector<const Column *> sources(m_inputs.size(), nullptr);
    std::string missing;
    for (std::size_t i = 0; i < m_inputs.size(); ++i) {
        if (m_inputs[i].transform == ColumnTransform::Dropped)
            continue;
        const int index = data.columnIndex(m_inputs[i].name);
        if (index < 0) {
            missing += (missing.empty() ? "" : ", ") + m_inputs[i].name;
            continue;
        }
        sources[i] = &data.columns[static_cast<std::size_t>(index)];
    }
    if (!missing.empty())
        return Error{"missing column(s): " + missing};

    FeatureMatrix matrix;
    matrix.rows = data.rows;
    matrix.cols = m_names.size();
    matrix.names = m_names;
    matrix.rawColumn = m_rawColumn;
    matrix.values.resize(matrix.rows * matrix.cols);
    // Column by column: one lookup structure stays hot in cache.
    for (std::size_t i = 0; i < m_inputs.size(); ++i) {
        const Column *column = sources[i];
        if (!column)
            continue;
        const InputColumnInfo &info = m_inputs[i];
        for (std::size_t r = 0; r < data.rows; ++r) {
            float *out = matrix.values.data() + r * matrix.cols + info.firstFeature;
            if (column->isMissing(r)) {
                encodeMissing(i, out);
            } else if (info.transform == ColumnTransform::Numeric) {
                double value = 0;
                if (column->numeric) {
                    value = column->numbers[r];
                } else if (isMissingToken(column->text[r])) {
                    encodeMissing(i, out);
                    continue;
                } else if (!parseNumber(column->text[r], value)) {
                    return Error{"column '" + info.name + "', row " + std::to_string(r + 1) + ": '" +
                                 column->text[r] + "' is not a number"};
                }
                out[0] = static_cast<float>(value);
                if (m_states[i].indicator)
                    out[1] = 0.0f;
            } else if (column->numeric) {
                if (auto error = encodeCell(i, Cell{column->numbers[r]}, out))
                    return Error{"row " + std::to_string(r + 1) + ": " + error->message};
            } else {
                encodeText(i, column->text[r], out);
            }
        }
    }
    if (m_scaling != Scaling::None) {
        for (std::size_t r = 0; r < matrix.rows; ++r)
            finishScaling(matrix.values.data() + r * matrix.cols);
    }
    return matrix;
}

std::string Featurizer::toJson() const
{
    nlohmann::json j;
    j["format"] = "cerulean.featurizer";
    j["version"] = kFormatVersion;
    j["class_count"] = m_classCount;
    j["scaling"] = std::string(scalingName(m_scaling));
    j["center"] = m_center;
    j["scale"] = m_scale;
    j["feature_names"] = m_names;
    j["inputs"] = nlohmann::json::array();
    for (std::size_t i = 0; i < m_inputs.size(); ++i) {
        const auto &info = m_inputs[i];
        const auto &state = m_states[i];
        nlohmann::json input;
        input["name"] = info.name;
        input["numeric"] = info.numeric;
        input["transform"] = std::string(toString(info.transform));
        input["feature_count"] = info.featureCount;
        input["fill"] = state.fill;
        input["indicator"] = state.indicator;
        input["categories"] = state.categories;
        input["encoding"] = state.encoding;
        input["unseen"] = state.unseen;
        j["inputs"].push_back(std::move(input));
    }
    return j.dump();
}

Result<Featurizer> Featurizer::fromJson(std::string_view json)
{
    const auto j = nlohmann::json::parse(json, nullptr, false);
    if (j.is_discarded() || !j.is_object())
        return Error{"featurizer: not a JSON object"};
    try {
        if (j.value("format", std::string()) != "cerulean.featurizer")
            return Error{"featurizer: not a featurizer document"};
        if (j.at("version").get<int>() > kFormatVersion)
            return Error{"featurizer: format version " + std::to_string(j.at("version").get<int>()) +
                         " is newer than this program understands (" + std::to_string(kFormatVersion) + ")"};
        Featurizer f;
        f.m_classCount = j.at("class_count").get<int>();
        if (!scalingFromName(j.at("scaling").get<std::string>(), f.m_scaling))
            return Error{"featurizer: unknown scaling"};
        f.m_center = j.at("center").get<std::vector<double>>();
        f.m_scale = j.at("scale").get<std::vector<double>>();
        f.m_names = j.at("feature_names").get<std::vector<std::string>>();
        for (const auto &input : j.at("inputs")) {
            InputColumnInfo info;
            ColumnState state;
            info.name = input.at("name").get<std::string>();
            info.numeric = input.at("numeric").get<bool>();
            if (!transformFromName(input.at("transform").get<std::string>(), info.transform))
                return Error{"featurizer: column '" + info.name + "' has an unknown transform"};
            info.featureCount = input.at("feature_count").get<std::size_t>();
            info.firstFeature = f.m_rawColumn.size();
            state.fill = input.at("fill").get<double>();
            state.indicator = input.at("indicator").get<bool>();
            state.categories = input.at("categories").get<std::vector<std::string>>();
            state.encoding = input.at("encoding").get<std::vector<double>>();
            state.unseen = input.at("unseen").get<std::vector<double>>();

            std::size_t expected = 0;
            switch (info.transform) {
            case ColumnTransform::Numeric:
                expected = state.indicator ? 2 : 1;
                break;
            case ColumnTransform::OneHot:
                expected = state.categories.size();
                break;
            case ColumnTransform::Frequency:
                expected = 1;
                if (state.encoding.size() != state.categories.size() || state.unseen.size() != 1)
                    return Error{"featurizer: column '" + info.name + "' has inconsistent frequencies"};
                break;
            case ColumnTransform::TargetEncoding:
                expected = state.unseen.size();
                if (expected == 0 || state.encoding.size() != state.categories.size() * expected)
                    return Error{"featurizer: column '" + info.name + "' has inconsistent target rates"};
                break;
            case ColumnTransform::Dropped:
                expected = 0;
                break;
            }
            if (info.featureCount != expected)
                return Error{"featurizer: column '" + info.name + "' has a wrong feature count"};
            f.m_rawColumn.resize(f.m_rawColumn.size() + info.featureCount, static_cast<int>(f.m_inputs.size()));
            f.m_inputs.push_back(std::move(info));
            f.m_states.push_back(std::move(state));
        }
        if (f.m_rawColumn.size() != f.m_names.size() || f.m_center.size() != f.m_names.size() ||
            f.m_scale.size() != f.m_names.size())
            return Error{"featurizer: feature counts disagree"};
        f.buildIndex();
        return f;
    } catch (const nlohmann::json::exception &e) {
        return Error{std::string("featurizer: ") + e.what()};
    }
}

} // namespace cerulean::automl
