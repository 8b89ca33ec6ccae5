// Gradient boosted trees through XGBoost's C API: hist trees, early stopping on the
// validation rows. Prediction walks a compact copy of the trees (CompiledTrees) that
// reproduces XGBoost's arithmetic bit for bit; XGBoost's own in-place prediction remains
// the fallback for models the copy does not cover.

#include "core/automl/learners_internal.h"

#include <xgboost/c_api.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <optional>

#if defined(__GNUC__) || defined(__clang__)
#define CERULEAN_NO_SANITIZE_HOT_LOOP __attribute__((no_sanitize("address", "undefined")))
#else
#define CERULEAN_NO_SANITIZE_HOT_LOOP
#endif

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


// The trees of a gbtree model as flat arrays. XGBoost's CPU predictor copies every row into
// a per-thread feature vector and walks one row at a time through every tree, a
// mispredicted branch at nearly every node. Here a tree takes a block of rows while its
// nodes are in cache, and walks kLanes rows at once without branches: a leaf points to
// itself, so every row takes exactly the tree's depth in steps. That scores a batch several
// times faster. The arithmetic is XGBoost 1.6's: margins start at the base score (as a
// margin) and add each tree's leaf in float, in tree order; a value goes right unless it is
// below the split condition, a missing (NaN) value takes the default direction; then the
// float sigmoid (binary) or softmax (multiclass, its sum in double).
class CompiledTrees final
{
public:
    // Null when the model uses something this walker does not reproduce (categorical
    // splits, dart, vector leaves, another objective); the caller keeps XGBoost's predictor.
    static std::optional<CompiledTrees> fromBooster(BoosterHandle booster, int classes, std::size_t features)
    {
        bst_ulong length = 0;
        const char *data = nullptr;
        if (XGBoosterSaveModelToBuffer(booster, R"({"format":"ubj"})", &length, &data) != 0)
            return std::nullopt;
        // UBJSON keeps the float32 split conditions and leaves exactly (no decimal round trip).
        const nlohmann::json model = nlohmann::json::from_ubjson(
            reinterpret_cast<const std::uint8_t *>(data), reinterpret_cast<const std::uint8_t *>(data) + length,
            true, false);
        if (model.is_discarded())
            return std::nullopt;
        try {
            return fromJson(model, classes, features);
        } catch (const nlohmann::json::exception &) {
            return std::nullopt;
        }
    }

    // out: x.rows * classes probabilities. Allocates only for more than 16 classes.
    // Sanitized builds leave this loop uninstrumented, as they left XGBoost's own walker
    // (a library built without sanitizers): instrumented, it made sanitized engine runs
    // overrun their budgets. Every index it follows is checked when the trees are compiled,
    // and a test compares its output with XGBoost's bit for bit.
    CERULEAN_NO_SANITIZE_HOT_LOOP
    void predictProba(DenseView x, std::span<double> out) const
    {
        constexpr std::size_t kStackGroups = 16;
        const std::size_t groups = static_cast<std::size_t>(groups_);
        float stackMargin[kBlock * kStackGroups];
        float stackExp[kStackGroups];
        std::vector<float> heap;
        float *margin = stackMargin, *exps = stackExp;
        if (groups > kStackGroups) {
            heap.resize(kBlock * groups + groups);
            margin = heap.data();
            exps = heap.data() + kBlock * groups;
        }
        const float *rows[kBlock];
        for (std::size_t first = 0; first < x.rows; first += kBlock) {
            const std::size_t count = std::min(kBlock, x.rows - first);
            // Lanes past the end repeat the last row; their results are not used.
            for (std::size_t r = 0; r < kBlock; ++r)
                rows[r] = x.row(first + std::min(r, count - 1));
            std::fill(margin, margin + count * groups, baseMargin_);
            for (std::size_t t = 0; t < trees_.size(); ++t) {
                const TreeRef &tree = trees_[t];
                const Node *nodes = nodes_.data() + tree.root;
                const float *leaves = leaves_.data() + tree.root;
                for (std::size_t r0 = 0; r0 < count; r0 += kLanes) {
                    std::uint32_t at[kLanes] = {};
                    for (int d = 0; d < tree.depth; ++d) {
                        for (std::size_t l = 0; l < kLanes; ++l) {
                            const Node &node = nodes[at[l]];
                            const float v = rows[r0 + l][node.feature];
                            // NaN compares false: it goes right only when the default is right.
                            const std::uint32_t right = static_cast<std::uint32_t>(v >= node.value) |
                                                        (static_cast<std::uint32_t>(v != v) & node.missingRight);
                            at[l] = node.child + right;
                        }
                    }
                    const std::size_t lanes = std::min(kLanes, count - r0);
                    for (std::size_t l = 0; l < lanes; ++l)
                        margin[(r0 + l) * groups + tree.group] += leaves[at[l]];
                }
            }
            for (std::size_t r = 0; r < count; ++r) {
                double *p = out.data() + (first + r) * static_cast<std::size_t>(classes_);
                const float *m = margin + r * groups;
                if (classes_ == 2) {
                    const float prob = 1.0f / (1.0f + std::exp(-m[0]));
                    p[0] = 1.0 - static_cast<double>(prob);
                    p[1] = static_cast<double>(prob);
                    continue;
                }
                float top = m[0];
                for (std::size_t c = 1; c < groups; ++c)
                    top = std::max(top, m[c]);
                double sum = 0; // XGBoost sums the float exponentials in double
                for (std::size_t c = 0; c < groups; ++c) {
                    exps[c] = std::exp(m[c] - top);
                    sum += exps[c];
                }
                const float total = static_cast<float>(sum);
                for (std::size_t c = 0; c < groups; ++c)
                    p[c] = static_cast<double>(exps[c] / total);
            }
        }
    }

private:
    static constexpr std::size_t kBlock = 64;
    static constexpr std::size_t kLanes = 8;
    static constexpr int kMaxDepth = 64;

    // Children of a node are adjacent (left at child, right at child + 1, counted from the
    // tree's root). A leaf has a NaN condition (nothing compares >= NaN), missingRight 0 and
    // itself as child, so it stays put; its value is in leaves_ at the same index.
    struct Node
    {
        float value = 0;               // split condition; NaN for a leaf
        std::uint32_t feature = 0;
        std::uint32_t child = 0;
        std::uint32_t missingRight = 0; // 1 when a missing value goes right
    };
    struct TreeRef
    {
        std::size_t root = 0;
        std::size_t group = 0;
        int depth = 0;
    };

    static float parseFloat(const nlohmann::json &v)
    {
        if (v.is_string())
            return std::strtof(v.get_ref<const std::string &>().c_str(), nullptr);
        return v.get<float>();
    }

    static std::optional<CompiledTrees> fromJson(const nlohmann::json &model, int classes, std::size_t features)
    {
        const nlohmann::json &learner = model.at("learner");
        const std::string objective = learner.at("objective").at("name").get<std::string>();
        const bool binary = classes == 2;
        if ((binary && objective != "binary:logistic") || (!binary && objective != "multi:softprob"))
            return std::nullopt;
        const nlohmann::json &booster = learner.at("gradient_booster");
        if (booster.at("name").get<std::string>() != "gbtree")
            return std::nullopt;
        const nlohmann::json &gbtree = booster.at("model");
        CompiledTrees c;
        c.classes_ = classes;
        c.groups_ = binary ? 1 : classes;
        const float baseScore = parseFloat(learner.at("learner_model_param").at("base_score"));
        // ProbToMargin: logit for the logistic objective, the identity for softprob.
        c.baseMargin_ = binary ? -std::log(1.0f / baseScore - 1.0f) : baseScore;
        const nlohmann::json &trees = gbtree.at("trees");
        const nlohmann::json &info = gbtree.at("tree_info");
        if (info.size() != trees.size())
            return std::nullopt;
        for (std::size_t t = 0; t < trees.size(); ++t) {
            const nlohmann::json &tree = trees[t];
            const int group = info[t].get<int>();
            if (group < 0 || group >= c.groups_)
                return std::nullopt;
            if (!tree.at("categories").empty())
                return std::nullopt;
            const auto left = tree.at("left_children").get<std::vector<std::int64_t>>();
            const auto right = tree.at("right_children").get<std::vector<std::int64_t>>();
            const auto index = tree.at("split_indices").get<std::vector<std::int64_t>>();
            const auto cond = tree.at("split_conditions").get<std::vector<float>>();
            const auto defaultLeft = tree.at("default_left").get<std::vector<int>>();
            std::vector<int> splitType;
            if (tree.contains("split_type"))
                splitType = tree.at("split_type").get<std::vector<int>>();
            const std::size_t n = left.size();
            if (n == 0 || right.size() != n || index.size() != n || cond.size() != n || defaultLeft.size() != n ||
                (!splitType.empty() && splitType.size() != n))
                return std::nullopt;
            // Breadth-first relabelling so that siblings sit side by side.
            const std::size_t root = c.nodes_.size();
            std::vector<std::int64_t> order{0};
            std::vector<int> depthOf{0};
            int depth = 0;
            for (std::size_t i = 0; i < order.size(); ++i) {
                const std::int64_t id = order[i];
                Node node;
                float leaf = 0;
                if (left[id] < 0) {
                    node.value = std::numeric_limits<float>::quiet_NaN();
                    node.child = static_cast<std::uint32_t>(i);
                    leaf = cond[id];
                } else {
                    if (left[id] >= static_cast<std::int64_t>(n) || right[id] < 0 ||
                        right[id] >= static_cast<std::int64_t>(n) || index[id] < 0 ||
                        static_cast<std::size_t>(index[id]) >= features || (!splitType.empty() && splitType[id] != 0) ||
                        order.size() + 2 > n || depthOf[i] + 1 > kMaxDepth || std::isnan(cond[id]))
                        return std::nullopt;
                    node.value = cond[id];
                    node.feature = static_cast<std::uint32_t>(index[id]);
                    node.missingRight = defaultLeft[id] ? 0u : 1u;
                    node.child = static_cast<std::uint32_t>(order.size());
                    order.push_back(left[id]);
                    order.push_back(right[id]);
                    depthOf.push_back(depthOf[i] + 1);
                    depthOf.push_back(depthOf[i] + 1);
                    depth = std::max(depth, depthOf[i] + 1);
                }
                c.nodes_.push_back(node);
                c.leaves_.push_back(leaf);
            }
            c.trees_.push_back(TreeRef{root, static_cast<std::size_t>(group), depth});
        }
        return c;
    }

    int classes_ = 2;
    int groups_ = 1;
    float baseMargin_ = 0;
    std::vector<Node> nodes_;
    std::vector<float> leaves_;
    std::vector<TreeRef> trees_;
};

class XGBoostLearner final : public Learner
{
public:
    XGBoostLearner(BoosterHandle booster, int classes, std::size_t features, HyperParams used)
        : booster_(booster), classes_(classes), features_(features), used_(std::move(used))
    {
        // Prediction runs on the caller's thread: the scoring server predicts single rows
        // from many request threads and an OpenMP team per call would dominate the latency.
        XGBoosterSetParam(booster_, "nthread", "1");
        compiled_ = CompiledTrees::fromBooster(booster_, classes_, features_);
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
        if (compiled_) {
            compiled_->predictProba(x, out);
            return;
        }
        libraryPredictProba(x, out);
    }

    // XGBoost's own in-place prediction (the fallback, and the reference the tests compare with).
    void libraryPredictProba(DenseView x, std::span<double> out) const
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
    bool compiled() const { return compiled_.has_value(); }

private:
    BoosterHandle booster_;
    int classes_;
    std::size_t features_;
    HyperParams used_;
    std::optional<CompiledTrees> compiled_;
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

namespace cerulean::automl::detail {

bool xgboostLibraryPredict(const Learner &learner, DenseView x, std::span<double> out, bool &compiled)
{
    const auto *xgb = dynamic_cast<const XGBoostLearner *>(&learner);
    if (!xgb)
        return false;
    compiled = xgb->compiled();
    xgb->libraryPredictProba(x, out);
    return true;
}

} // namespace cerulean::automl::detail
