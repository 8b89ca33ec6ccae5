#include "core/automl/profile.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

namespace cerulean::automl {

namespace {

// numpy's default (linear) quantile of sorted values.
double quantile(const std::vector<double> &sorted, double q)
{
    if (sorted.empty())
        return std::nan("");
    const double position = q * static_cast<double>(sorted.size() - 1);
    const auto lower = static_cast<std::size_t>(std::floor(position));
    const std::size_t upper = std::min(lower + 1, sorted.size() - 1);
    const double fraction = position - static_cast<double>(lower);
    return sorted[lower] + (sorted[upper] - sorted[lower]) * fraction;
}

std::string lower(std::string_view text)
{
    std::string out(text);
    for (char &c : out) {
        if (c >= 'A' && c <= 'Z')
            c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

bool endsWith(std::string_view text, std::string_view suffix)
{
    return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

// "id", "customer_id", "Customer ID", "customerId", "uuid", "row_guid".
bool nameLooksLikeId(std::string_view name)
{
    const std::string l = lower(name);
    if (l == "id" || l == "index" || endsWith(l, "_id") || endsWith(l, " id") || endsWith(l, "-id") ||
        endsWith(l, ".id") || endsWith(l, "uuid") || endsWith(l, "guid") || l.rfind("id_", 0) == 0)
        return true;
    return name.size() > 2 && endsWith(name, "Id") && name[name.size() - 3] >= 'a' && name[name.size() - 3] <= 'z';
}

void sortTop(std::vector<CategoryCount> &counts)
{
    std::sort(counts.begin(), counts.end(), [](const CategoryCount &a, const CategoryCount &b) {
        return a.count != b.count ? a.count > b.count : a.value < b.value;
    });
    if (counts.size() > kTopCategories)
        counts.resize(kTopCategories);
}

std::string percent(double share)
{
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.0f %%", share * 100.0);
    return buffer;
}

void profileNumeric(const Column &column, ColumnProfile &profile)
{
    std::vector<double> values;
    values.reserve(column.numbers.size());
    for (double v : column.numbers) {
        if (!std::isnan(v))
            values.push_back(v);
    }
    if (values.empty())
        return;
    std::sort(values.begin(), values.end());

    std::vector<CategoryCount> counts;
    bool integers = true;
    for (std::size_t i = 0; i < values.size();) {
        std::size_t j = i;
        while (j < values.size() && values[j] == values[i])
            ++j;
        counts.push_back({formatNumber(values[i]), j - i});
        integers = integers && values[i] == std::floor(values[i]);
        i = j;
    }
    profile.distinct = counts.size();
    sortTop(counts);
    profile.topCategories = std::move(counts);

    NumericSummary s;
    s.min = values.front();
    s.max = values.back();
    double sum = 0;
    for (double v : values)
        sum += v;
    s.mean = sum / static_cast<double>(values.size());
    double squares = 0;
    for (double v : values)
        squares += (v - s.mean) * (v - s.mean);
    s.std = values.size() > 1 ? std::sqrt(squares / static_cast<double>(values.size() - 1)) : 0.0;
    s.p05 = quantile(values, 0.05);
    s.p25 = quantile(values, 0.25);
    s.median = quantile(values, 0.5);
    s.p75 = quantile(values, 0.75);
    s.p95 = quantile(values, 0.95);
    profile.summary = s;

    const std::size_t bins = s.max > s.min ? kHistogramBins : 1;
    const double width = (s.max - s.min) / static_cast<double>(bins);
    profile.histogram.resize(bins);
    for (std::size_t b = 0; b < bins; ++b) {
        profile.histogram[b].low = s.min + width * static_cast<double>(b);
        profile.histogram[b].high = b + 1 == bins ? s.max : s.min + width * static_cast<double>(b + 1);
    }
    for (double v : values) {
        std::size_t b = width > 0 ? static_cast<std::size_t>((v - s.min) / width) : 0;
        profile.histogram[std::min(b, bins - 1)].count += 1;
    }

    const std::size_t present = values.size();
    if (profile.distinct == 1 && profile.missing == 0) {
        profile.kind = ColumnKind::Constant;
        profile.reason = "every row has the value " + formatNumber(s.min);
    } else if (integers && profile.distinct == present && present >= kIdLikeMinRows &&
               (s.max - s.min + 1 == static_cast<double>(present) || nameLooksLikeId(profile.name))) {
        profile.kind = ColumnKind::IdLike;
        profile.reason = "a different whole number on every row, like a row number or key";
    } else {
        profile.kind = ColumnKind::Numeric;
        profile.reason = "every value is a number";
    }
}

void profileText(const Column &column, ColumnProfile &profile)
{
    std::unordered_map<std::string_view, std::size_t> counts;
    std::size_t present = 0;
    for (std::size_t i = 0; i < column.text.size(); ++i) {
        if (column.missing[i])
            continue;
        ++present;
        ++counts[column.text[i]];
    }
    if (present == 0)
        return;
    profile.distinct = counts.size();
    std::vector<CategoryCount> top;
    top.reserve(counts.size());
    for (const auto &[value, count] : counts)
        top.push_back({std::string(value), count});
    sortTop(top);
    profile.topCategories = std::move(top);

    const double share = static_cast<double>(profile.distinct) / static_cast<double>(present);
    if (profile.distinct == 1 && profile.missing == 0) {
        profile.kind = ColumnKind::Constant;
        profile.reason = "every row has the value '" + profile.topCategories.front().value + "'";
    } else if (present >= kIdLikeMinRows && share >= kIdLikeDistinctShare) {
        profile.kind = ColumnKind::IdLike;
        profile.reason = percent(share) + " of the values are distinct, like names or keys";
    } else if (profile.distinct <= kMaxCategoricalDistinct) {
        profile.kind = ColumnKind::Categorical;
        profile.reason = std::to_string(profile.distinct) + " distinct values";
    } else {
        profile.kind = ColumnKind::HighCardinalityText;
        profile.reason = std::to_string(profile.distinct) + " distinct values, more than " +
                         std::to_string(kMaxCategoricalDistinct) + " to one-hot encode";
    }
}

} // namespace

std::string_view toString(ColumnKind kind)
{
    switch (kind) {
    case ColumnKind::Numeric:
        return "numeric";
    case ColumnKind::Categorical:
        return "categorical";
    case ColumnKind::HighCardinalityText:
        return "high_cardinality_text";
    case ColumnKind::Constant:
        return "constant";
    case ColumnKind::IdLike:
        return "id_like";
    case ColumnKind::AllMissing:
        return "all_missing";
    }
    return "numeric";
}

const ColumnProfile *DatasetProfile::find(std::string_view name) const
{
    for (const auto &c : columns) {
        if (c.name == name)
            return &c;
    }
    return nullptr;
}

ColumnProfile profileColumn(const Column &column, std::size_t index)
{
    ColumnProfile profile;
    profile.name = column.name;
    profile.index = index;
    profile.numericStorage = column.numeric;
    profile.missing = column.missingCount();
    profile.kind = ColumnKind::AllMissing;
    profile.reason = "no value in any row";
    if (column.numeric)
        profileNumeric(column, profile);
    else
        profileText(column, profile);
    return profile;
}

DatasetProfile profileDataset(const Dataset &data)
{
    DatasetProfile profile;
    profile.rows = data.rows;
    profile.columns.reserve(data.columns.size());
    for (std::size_t i = 0; i < data.columns.size(); ++i)
        profile.columns.push_back(profileColumn(data.columns[i], i));
    return profile;
}

} // namespace cerulean::automl
