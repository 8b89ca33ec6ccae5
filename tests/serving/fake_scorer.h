#pragma once

// A tiny deterministic model for tests of the HTTP surface: p(yes) = age / 100.

#include "core/serving/scorer.h"

#include <algorithm>

namespace cerulean::serving::test {

class FakeScorer final : public Scorer
{
public:
    FakeScorer()
    {
        m_schema.columns = {{"age", InputKind::Numeric, {}},
                            {"job", InputKind::Categorical, {"admin.", "retired"}},
                            {"note", InputKind::Text, {}}};
        m_schema.target = "y";
        m_schema.classLabels = {"no", "yes"};
        m_schema.exampleRow = {Cell(51.0), Cell(std::string("retired")), Cell(std::string("hello"))};
    }
    const ScoringSchema &schema() const override { return m_schema; }
    std::string name() const override { return "FakeModel"; }
    std::string version() const override { return "7"; }
    std::optional<std::string> predict(std::span<const std::vector<Cell>> rows, Prediction &out) const override
    {
        out.rows = rows.size();
        out.classes = 2;
        out.values.clear();
        for (std::size_t r = 0; r < rows.size(); ++r) {
            const auto *age = std::get_if<double>(&rows[r][0]);
            if (age && *age < 0)
                return "Row " + std::to_string(r) + ", column \"age\": negative age";
            const double p = age ? std::clamp(*age / 100.0, 0.0, 1.0) : 0.5;
            out.values.push_back(1.0 - p);
            out.values.push_back(p);
        }
        return std::nullopt;
    }

private:
    ScoringSchema m_schema;
};

} // namespace cerulean::serving::test
