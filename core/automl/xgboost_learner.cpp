// Gradient boosted trees through XGBoost's C API: hist trees, early stopping on the
// validation rows, prediction in place from dense rows on one thread.

#include "core/automl/learners_internal.h"

#include <xgboost/c_api.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>

namespace cerulean::automl::detail {
namespace {

std::string lastXgbError() { return std::string("XGBoost: ") + XGBGetLastError(); }

struct DMatrixGuard
{
    DMatrixHandle handle = nullptr;
    ~DMatrixGuard()
    {
        if (handle)
            XGDMatrixFree(handle);
    }
};

std::string arrayInterface(const float *values, std::size_t rows, std::size_t cols)
{
    char buffer[200];
    std::snprintf(buffer, sizeof buffer,
                  R"({"data":[%llu,true],"shape":[%zu,%zu],"typestr":"<f4","version":3})",
                  static_cast<unsigned long long>(reinterpret_cast<std::uintptr_t>(values)), rows, cols);
    return buffer;
}

bool makeDMatrix(DenseView x, std::span<const int> y, int threads, DMatrixGuard &out, std::string &error)
{
    if (XGDMatrixCreateFromMat_omp(x.values, x.rows, x.cols, std::numeric_limits<float>::quiet_NaN(), &out.handle,
                                   threads) != 0) {
        error = lastXgbError();
        return false;
    }
    std::vector<float> labels(y.begin(), y.end());
    if (XGDMatrixSetFloatInfo(out.handle, "label", labels.data(), labels.size()) != 0) {
        error = lastXgbError();
        return false;
    }
    return true;
}

// One proxy DMatrix per thread for in-place prediction. Without one, XGBoost builds a proxy
// on every call, and building one reads the cgroup CPU quota from /sys: a file open per
// scored request, a fifth of a single-row prediction's cost. A proxy holds only the current
// call's array view, so a thread reuses its own and threads never share one.
DMatrixHandle threadProxy()
{
    struct Proxy
    {
        DMatrixHandle handle = nullptr;
        Proxy()
        {
            if (XGProxyDMatrixCreate(&handle) != 0)
                handle = nullptr; // predictFromDense then makes its own, as before
        }
        ~Proxy()
        {
            if (handle)
                XGDMatrixFree(handle);
        }
        Proxy(const Proxy &) = delete;
        Proxy &operator=(const Proxy &) = delete;
    };
    thread_local Proxy proxy;
    return proxy.handle;
}

class XGBoostLearner final : public Learner
{
public:
    XGBoostLearner(BoosterHandle booster, int classes, std::size_t features, HyperParams used)
        : booster_(booster), classes_(classes), features_(features), used_(std::move(used))
    {
        // Prediction runs on the caller's thread: the scoring server predicts single rows
        // from many request threads and an OpenMP team per call would dominate the latency.
        XGBoosterSetParam(booster_, "nthread", "1");
    }
    ~XGBoostLearner() override { XGBoosterFree(booster_); }
    XGBoostLearner(const XGBoostLearner &) = delete;
    XGBoostLearner &operator=(const XGBoostLearner &) = delete;

    std::string kind() const override { return "XGBoostClassifier"; }
    int numClasses() const override { return classes_; }
    std::size_t numFeatures() const override { return features_; }
    HyperParams effectiveParams() const override { return used_; }

    void predictProba(DenseView x, std::span<double> out) const override
    {
        if (x.rows == 0)
            return;
        const std::string values = arrayInterface(x.values, x.rows, x.cols);
        static const char *config =
            R"({"type":0,"training":false,"iteration_begin":0,"iteration_end":0,"strict_shape":false,"missing":NaN,"cache_id":0})";
        const bst_ulong *shape = nullptr;
        bst_ulong dim = 0;
        const float *result = nullptr;
        if (XGBoosterPredictFromDense(booster_, values.c_str(), config, threadProxy(), &shape, &dim, &result) != 0) {
            // Inputs are validated upstream; a failure here is a bug. Return a uniform answer
            // rather than garbage so callers never read uninitialized memory.
            std::fill(out.begin(), out.end(), 1.0 / classes_);
            return;
        }
        if (classes_ == 2) {
            for (std::size_t r = 0; r < x.rows; ++r) {
                const double p = static_cast<double>(result[r]);
                out[r * 2] = 1.0 - p;
                out[r * 2 + 1] = p;
            }
        } else {
            for (std::size_t i = 0; i < x.rows * static_cast<std::size_t>(classes_); ++i)
                out[i] = static_cast<double>(result[i]);
        }
    }

    // SHAP contributions: rows x classesOut x (features + 1), last entry the bias.
    std::vector<float> contributions(DenseView x, int &classesOut) const
    {
        DMatrixHandle dm = nullptr;
        std::vector<float> res;
        classesOut = classes_ == 2 ? 1 : classes_;
        if (XGDMatrixCreateFromMat(x.values, x.rows, x.cols, std::numeric_limits<float>::quiet_NaN(), &dm) != 0)
            return res;
        const char *config = R"({"type":2,"training":false,"iteration_begin":0,"iteration_end":0,"strict_shape":true})";
        const bst_ulong *shape = nullptr;
        bst_ulong dim = 0;
        const float *result = nullptr;
        if (XGBoosterPredictFromDMatrix(booster_, dm, config, &shape, &dim, &result) == 0) {
            std::size_t total = 1;
            for (bst_ulong i = 0; i < dim; ++i)
                total *= shape[i];
            res.assign(result, result + total);
        }
        XGDMatrixFree(dm);
        return res;
    }

    nlohmann::json save(std::vector<std::uint8_t> &blob) const override
    {
        bst_ulong length = 0;
        const char *data = nullptr;
        if (XGBoosterSaveModelToBuffer(booster_, R"({"format":"ubj"})", &length, &data) == 0)
            blob.assign(reinterpret_cast<const std::uint8_t *>(data), reinterpret_cast<const std::uint8_t *>(data) + length);
        return {{"kind", kind()}, {"classes", classes_}, {"features", features_}, {"params", hyperParamsToJson(used_)},
                {"format", "ubj"}};
    }

    BoosterHandle handle() const { return booster_; }

private:
    BoosterHandle booster_;
    int classes_;
    std::size_t features_;
    HyperParams used_;
};

std::string number(double v)
{
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.17g", v);
    return buffer;
}

} // namespace

std::unique_ptr<Learner> trainXGBoost(const HyperParams &params, const TrainInput &input, const TrainOptions &options,
                                      std::string &error)
{
    DMatrixGuard train, valid;
    if (!makeDMatrix(input.x, input.y, options.threads, train, error))
        return nullptr;
    const bool watch = !input.validX.empty();
    if (watch && !makeDMatrix(input.validX, input.validY, options.threads, valid, error))
        return nullptr;

    BoosterHandle booster = nullptr;
    DMatrixHandle cache[2] = {train.handle, valid.handle};
    if (XGBoosterCreate(cache, watch ? 2 : 1, &booster) != 0) {
        error = lastXgbError();
        return nullptr;
    }
    const int rounds = std::max(1, static_cast<int>(param(params, "n_estimators", 100)));
    const double eta = param(params, "learning_rate", 0.1);
    const bool binary = input.numClasses == 2;
    const std::string objective = binary ? "binary:logistic" : "multi:softprob";
    std::string evalMetric = binary ? "logloss" : "mlogloss";
    if (input.rankingMetric)
        evalMetric = "auc";
    std::vector<std::pair<std::string, std::string>> settings = {
        {"objective", objective},
        {"eval_metric", evalMetric},
        {"tree_method", "hist"},
        {"max_bin", "256"},
        {"nthread", std::to_string(std::max(1, options.threads))},
        {"seed", std::to_string(options.seed % 2147483647ULL)},
        {"eta", number(eta)},
        {"max_depth", std::to_string(static_cast<int>(param(params, "max_depth", 6)))},
        {"min_child_weight", number(param(params, "min_child_weight", 1))},
        {"subsample", number(param(params, "subsample", 1))},
        {"colsample_bytree", number(param(params, "colsample_bytree", 1))},
        {"lambda", number(param(params, "reg_lambda", 1))},
        {"alpha", number(param(params, "reg_alpha", 0))},
        {"verbosity", "0"},
    };
    if (!binary)
        settings.emplace_back("num_class", std::to_string(input.numClasses));
    for (const auto &[name, value] : settings) {
        if (XGBoosterSetParam(booster, name.c_str(), value.c_str()) != 0) {
            error = lastXgbError();
            XGBoosterFree(booster);
            return nullptr;
        }
    }

    // Patience scales with the learning rate: small steps need more rounds to show a gain.
    const int patience = std::clamp(static_cast<int>(std::lround(2.0 / std::max(eta, 1e-3))), 10, 100);
    double bestLoss = std::numeric_limits<double>::infinity();
    int bestRound = -1;
    int done = 0;
    const char *evalNames[] = {"valid"};
    for (int round = 0; round < rounds; ++round) {
        if (round > 0 && options.shouldStop())
            break;
        if (XGBoosterUpdateOneIter(booster, round, train.handle) != 0) {
            error = lastXgbError();
            XGBoosterFree(booster);
            return nullptr;
        }
        done = round + 1;
        if (!watch)
            continue;
        const char *evalText = nullptr;
        DMatrixHandle evalSets[] = {valid.handle};
        if (XGBoosterEvalOneIter(booster, round, evalSets, evalNames, 1, &evalText) != 0) {
            error = lastXgbError();
            XGBoosterFree(booster);
            return nullptr;
        }
        const char *colon = std::strrchr(evalText, ':');
        const double value = colon ? std::strtod(colon + 1, nullptr) : 0.0;
        const double loss = input.rankingMetric ? -value : value; // lower is better below
        if (loss < bestLoss - 1e-12) {
            bestLoss = loss;
            bestRound = round;
        } else if (round - bestRound >= patience) {
            break;
        }
    }
    int keep = watch && bestRound >= 0 ? bestRound + 1 : done;
    if (keep < done) {
        BoosterHandle sliced = nullptr;
        if (XGBoosterSlice(booster, 0, keep, 1, &sliced) == 0) {
            XGBoosterFree(booster);
            booster = sliced;
        } else {
            keep = done;
        }
    }
    HyperParams used = params;
    used["n_estimators"] = keep;
    return std::make_unique<XGBoostLearner>(booster, input.numClasses, input.x.cols, std::move(used));
}

std::unique_ptr<Learner> loadXGBoost(const nlohmann::json &state, std::span<const std::uint8_t> blob,
                                     std::string &error)
{
    BoosterHandle booster = nullptr;
    if (XGBoosterCreate(nullptr, 0, &booster) != 0) {
        error = lastXgbError();
        return nullptr;
    }
    if (blob.empty() || XGBoosterLoadModelFromBuffer(booster, blob.data(), blob.size()) != 0) {
        error = blob.empty() ? std::string("XGBoost model buffer is empty") : lastXgbError();
        XGBoosterFree(booster);
        return nullptr;
    }
    HyperParams used;
    const nlohmann::json stored = state.value("params", nlohmann::json::object());
    for (const auto &[name, value] : stored.items())
        used[name] = value.get<double>();
    return std::make_unique<XGBoostLearner>(booster, state.at("classes").get<int>(),
                                            state.at("features").get<std::size_t>(), std::move(used));
}

std::vector<float> xgboostContributions(const Learner &learner, DenseView x, int &classesOut)
{
    const auto *xgb = dynamic_cast<const XGBoostLearner *>(&learner);
    if (!xgb)
        return {};
    return xgb->contributions(x, classesOut);
}

} // namespace cerulean::automl::detail
