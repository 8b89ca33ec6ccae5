// A second training on the same machine, for generalize_test: XGBoost on 30,000 rows with
// an OpenMP team of two threads (as another cerulean-cli automl would run), until killed or
// after the number of seconds given as the argument (default 60).

#include "core/automl/engine.h"

#include <chrono>
#include <cstdlib>
#include <random>

using namespace cerulean::automl;

int main(int argc, char **argv)
{
    const int seconds = argc > 1 ? std::max(1, std::atoi(argv[1])) : 60;
    constexpr std::size_t rows = 30000;
    std::mt19937 rng(9);
    std::normal_distribution<double> normal;
    std::vector<double> a(rows), b(rows);
    std::vector<std::optional<std::string>> target(rows);
    for (std::size_t r = 0; r < rows; ++r) {
        a[r] = normal(rng);
        b[r] = normal(rng);
        target[r] = std::string(a[r] - b[r] + normal(rng) > 0 ? "yes" : "no");
    }
    Dataset data;
    data.rows = rows;
    data.columns.push_back(Column::makeNumeric("a", a));
    data.columns.push_back(Column::makeNumeric("b", b));
    data.columns.push_back(Column::makeText("y", target));

    AutoMLSettings s;
    s.targetColumn = "y";
    s.timeout = std::chrono::seconds(seconds);
    s.maxConcurrentTrials = 1;
    s.threads = 2;
    s.allowedModels = {"XGBoostClassifier"};
    s.explainBestModel = false;
    s.validation.kind = ValidationKind::Split;
    CancelToken cancel;
    auto run = runAutoML(s, data, std::nullopt, nullptr, cancel);
    return run.ok() ? 0 : 1;
}
