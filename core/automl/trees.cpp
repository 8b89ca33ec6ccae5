// Random forest and extremely randomized trees on histogram bins: each feature is cut into
// at most 255 quantile bins once, and every node split scans bin histograms of class
// weights (Gini impurity). Trees train in parallel; each has its own seeded generator, so
// the forest does not depend on the number of threads.

#include "core/automl/learners_internal.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <thread>

namespace cerulean::automl::detail {
namespace {

constexpr std::size_t kMaxBins = 255;

struct Node
{
    std::int32_t feature = -1; // -1 marks a leaf
    float threshold = 0;       // x <= threshold goes left; NaN goes right
    std::int32_t left = -1;
    std::int32_t right = -1;
    std::int32_t value = -1; // offset into the leaf values of a leaf
};

struct Tree
{
    std::vector<Node> nodes;
    std::vector<float> values; // class distribution per leaf
};

struct Binned
{
    std::vector<std::vector<float>> thresholds; // per feature, ascending
    std::vector<std::uint8_t> codes;            // column-major: codes[f * rows + r]
    std::size_t rows = 0;
};

Binned binMatrix(DenseView x, std::uint64_t seed)
{
    Binned b;
    b.rows = x.rows;
    b.thresholds.resize(x.cols);
    b.codes.resize(x.rows * x.cols);
    const std::size_t sampleSize = std::min<std::size_t>(x.rows, 50000);
    std::vector<std::size_t> sample(x.rows);
    for (std::size_t i = 0; i < x.rows; ++i)
        sample[i] = i;
    if (sampleSize < x.rows) {
        std::mt19937_64 rng(seed);
        std::shuffle(sample.begin(), sample.end(), rng);
        sample.resize(sampleSize);
    }
    std::vector<float> values;
    for (std::size_t f = 0; f < x.cols; ++f) {
        values.clear();
        for (std::size_t r : sample) {
            const float v = x.row(r)[f];
            if (!std::isnan(v))
                values.push_back(v);
        }
        std::sort(values.begin(), values.end());
        values.erase(std::unique(values.begin(), values.end()), values.end());
        auto &thr = b.thresholds[f];
        if (values.size() <= kMaxBins) {
            for (std::size_t i = 0; i + 1 < values.size(); ++i)
                thr.push_back(values[i] + (values[i + 1] - values[i]) / 2);
        } else {
            for (std::size_t q = 1; q < kMaxBins - 1; ++q) {
                const std::size_t i = q * values.size() / (kMaxBins - 1);
                const float t = values[i - 1] + (values[i] - values[i - 1]) / 2;
                if (thr.empty() || t > thr.back())
                    thr.push_back(t);
            }
        }
        for (std::size_t r = 0; r < x.rows; ++r) {
            const float v = x.row(r)[f];
            const std::size_t code =
                std::isnan(v) ? thr.size() : static_cast<std::size_t>(std::lower_bound(thr.begin(), thr.end(), v) - thr.begin());
            b.codes[f * x.rows + r] = static_cast<std::uint8_t>(code);
        }
    }
    return b;
}

struct ForestParams
{
    bool extra = false;
    int trees = 10;
    double maxFeatures = 0.3;
    int minLeaf = 1;
    int maxDepth = 16;
};

class TreeBuilder
{
public:
    TreeBuilder(const Binned &binned, std::span<const int> y, int classes, const ForestParams &p, std::uint64_t seed)
        : b_(binned), y_(y), k_(static_cast<std::size_t>(classes)), p_(p), rng_(seed)
    {
    }

    Tree build()
    {
        std::vector<std::uint32_t> rows;
        const std::size_t n = b_.rows;
        if (p_.extra) {
            rows.resize(n);
            for (std::size_t i = 0; i < n; ++i)
                rows[i] = static_cast<std::uint32_t>(i);
        } else {
            std::uniform_int_distribution<std::size_t> pick(0, n - 1);
            rows.resize(n);
            for (auto &r : rows)
                r = static_cast<std::uint32_t>(pick(rng_));
        }
        tree_.nodes.reserve(256);
        grow(rows, 0, rows.size(), 0);
        return std::move(tree_);
    }

private:
    std::int32_t makeLeaf(const std::vector<std::uint32_t> &rows, std::size_t begin, std::size_t end)
    {
        Node node;
        node.value = static_cast<std::int32_t>(tree_.values.size());
        std::vector<double> counts(k_, 0.0);
        for (std::size_t i = begin; i < end; ++i)
            counts[static_cast<std::size_t>(y_[rows[i]])] += 1;
        const double total = static_cast<double>(end - begin);
        for (double c : counts)
            tree_.values.push_back(static_cast<float>(c / total));
        tree_.nodes.push_back(node);
        return static_cast<std::int32_t>(tree_.nodes.size() - 1);
    }

    std::int32_t grow(std::vector<std::uint32_t> &rows, std::size_t begin, std::size_t end, int depth)
    {
        const std::size_t n = end - begin;
        const std::size_t minLeaf = static_cast<std::size_t>(std::max(1, p_.minLeaf));
        bool pure = true;
        for (std::size_t i = begin + 1; i < end && pure; ++i)
            pure = y_[rows[i]] == y_[rows[begin]];
        if (pure || depth >= p_.maxDepth || n < 2 * minLeaf)
            return makeLeaf(rows, begin, end);

        const std::size_t features = b_.thresholds.size();
        const std::size_t tryCount =
            std::clamp<std::size_t>(static_cast<std::size_t>(std::lround(p_.maxFeatures * features)), 1, features);
        std::vector<std::size_t> order(features);
        for (std::size_t f = 0; f < features; ++f)
            order[f] = f;
        // Partial Fisher-Yates: the first tryCount entries are a uniform random subset.
        for (std::size_t i = 0; i < tryCount; ++i) {
            std::uniform_int_distribution<std::size_t> pick(i, features - 1);
            std::swap(order[i], order[pick(rng_)]);
        }

        std::vector<double> parent(k_, 0.0);
        for (std::size_t i = begin; i < end; ++i)
            parent[static_cast<std::size_t>(y_[rows[i]])] += 1;
        auto giniSum = [&](const double *counts, double total) {
            if (total <= 0)
                return 0.0;
            double s = 0;
            for (std::size_t c = 0; c < k_; ++c)
                s += counts[c] * counts[c];
            return total - s / total; // total * gini
        };
        const double parentImpurity = giniSum(parent.data(), static_cast<double>(n));

        double bestGain = 1e-12;
        std::size_t bestFeature = 0, bestBin = 0;
        bool found = false;
        hist_.resize((kMaxBins + 1) * k_);
        std::vector<double> left(k_);
        for (std::size_t t = 0; t < tryCount; ++t) {
            const std::size_t f = order[t];
            const std::size_t bins = b_.thresholds[f].size() + 1;
            std::fill(hist_.begin(), hist_.begin() + static_cast<std::ptrdiff_t>(bins * k_), 0.0);
            const std::uint8_t *codes = b_.codes.data() + f * b_.rows;
            std::size_t lo = bins, hi = 0;
            for (std::size_t i = begin; i < end; ++i) {
                const std::size_t code = codes[rows[i]];
                hist_[code * k_ + static_cast<std::size_t>(y_[rows[i]])] += 1;
                lo = std::min(lo, code);
                hi = std::max(hi, code);
            }
            if (lo >= hi)
                continue;
            std::size_t from = lo, to = hi; // candidate split after bin s, s in [from, to)
            if (p_.extra) {
                std::uniform_int_distribution<std::size_t> pick(lo, hi - 1);
                from = pick(rng_);
                to = from + 1;
            }
            std::fill(left.begin(), left.end(), 0.0);
            double leftTotal = 0;
            for (std::size_t s = lo; s < to; ++s) {
                for (std::size_t c = 0; c < k_; ++c) {
                    left[c] += hist_[s * k_ + c];
                    leftTotal += hist_[s * k_ + c];
                }
                if (s < from)
                    continue;
                const double rightTotal = static_cast<double>(n) - leftTotal;
                if (leftTotal < static_cast<double>(minLeaf) || rightTotal < static_cast<double>(minLeaf))
                    continue;
                double right[64];
                std::vector<double> rightBig;
                double *rp = right;
                if (k_ > 64) {
                    rightBig.resize(k_);
                    rp = rightBig.data();
                }
                for (std::size_t c = 0; c < k_; ++c)
                    rp[c] = parent[c] - left[c];
                const double gain = parentImpurity - giniSum(left.data(), leftTotal) - giniSum(rp, rightTotal);
                if (gain > bestGain) {
                    bestGain = gain;
                    bestFeature = f;
                    bestBin = s;
                    found = true;
                }
            }
        }
        if (!found)
            return makeLeaf(rows, begin, end);

        const std::uint8_t *codes = b_.codes.data() + bestFeature * b_.rows;
        const auto mid = std::partition(rows.begin() + static_cast<std::ptrdiff_t>(begin),
                                        rows.begin() + static_cast<std::ptrdiff_t>(end),
                                        [&](std::uint32_t r) { return codes[r] <= bestBin; });
        const std::size_t split = static_cast<std::size_t>(mid - rows.begin());
        const std::int32_t self = static_cast<std::int32_t>(tree_.nodes.size());
        tree_.nodes.push_back(Node{});
        const std::int32_t l = grow(rows, begin, split, depth + 1);
        const std::int32_t r = grow(rows, split, end, depth + 1);
        Node &node = tree_.nodes[static_cast<std::size_t>(self)];
        node.feature = static_cast<std::int32_t>(bestFeature);
        node.threshold = b_.thresholds[bestFeature][bestBin];
        node.left = l;
        node.right = r;
        return self;
    }

    const Binned &b_;
    std::span<const int> y_;
    std::size_t k_;
    ForestParams p_;
    std::mt19937_64 rng_;
    Tree tree_;
    std::vector<double> hist_;
};

class ForestLearner final : public Learner
{
public:
    ForestLearner(bool extra, int classes, std::size_t features, std::vector<Tree> trees, HyperParams used)
        : extra_(extra), classes_(classes), features_(features), trees_(std::move(trees)), used_(std::move(used))
    {
    }

    std::string kind() const override { return extra_ ? "ExtremeRandomTrees" : "RandomForest"; }
    int numClasses() const override { return classes_; }
    std::size_t numFeatures() const override { return features_; }
    HyperParams effectiveParams() const override { return used_; }

    void predictProba(DenseView x, std::span<double> out) const override
    {
        // Each tree takes a block of rows while its nodes are in cache (a row walking every
        // deep tree in turn misses the cache at nearly every node). Each row still adds its
        // trees' leaves in tree order, so the sums are the same bit for bit.
        constexpr std::size_t kBlock = 64;
        const std::size_t k = static_cast<std::size_t>(classes_);
        for (std::size_t first = 0; first < x.rows; first += kBlock) {
            const std::size_t count = std::min(kBlock, x.rows - first);
            double *block = out.data() + first * k;
            std::fill(block, block + count * k, 0.0);
            for (const Tree &tree : trees_) {
                for (std::size_t r = 0; r < count; ++r) {
                    const float *row = x.row(first + r);
                    const Node *node = tree.nodes.data();
                    while (node->feature >= 0)
                        node = tree.nodes.data() +
                               (row[node->feature] <= node->threshold ? node->left : node->right);
                    const float *v = tree.values.data() + node->value;
                    double *p = block + r * k;
                    for (std::size_t c = 0; c < k; ++c)
                        p[c] += v[c];
                }
            }
            for (std::size_t r = 0; r < count; ++r) {
                // Leaf distributions are floats; normalizing by their sum makes rows add up to 1.
                double *p = block + r * k;
                double sum = 0;
                for (std::size_t c = 0; c < k; ++c)
                    sum += p[c];
                for (std::size_t c = 0; c < k; ++c)
                    p[c] = sum > 0 ? p[c] / sum : 1.0 / static_cast<double>(k);
            }
        }
    }

    nlohmann::json save(std::vector<std::uint8_t> &blob) const override
    {
        // Blob layout, little endian: per tree [u32 nodes][u32 values][nodes...][floats...].
        blob.clear();
        auto put = [&](const void *data, std::size_t size) {
            const auto *p = static_cast<const std::uint8_t *>(data);
            blob.insert(blob.end(), p, p + size);
        };
        for (const Tree &tree : trees_) {
            const std::uint32_t nodes = static_cast<std::uint32_t>(tree.nodes.size());
            const std::uint32_t values = static_cast<std::uint32_t>(tree.values.size());
            put(&nodes, sizeof nodes);
            put(&values, sizeof values);
            put(tree.nodes.data(), tree.nodes.size() * sizeof(Node));
            put(tree.values.data(), tree.values.size() * sizeof(float));
        }
        return {{"kind", kind()},
                {"classes", classes_},
                {"features", features_},
                {"trees", trees_.size()},
                {"params", hyperParamsToJson(used_)}};
    }

private:
    bool extra_;
    int classes_;
    std::size_t features_;
    std::vector<Tree> trees_;
    HyperParams used_;
};

} // namespace

std::unique_ptr<Learner> trainForest(bool extraTrees, const HyperParams &params, const TrainInput &input,
                                     const TrainOptions &options, std::string &error)
{
    if (input.x.rows == 0) {
        error = "no training rows";
        return nullptr;
    }
    ForestParams p;
    p.extra = extraTrees;
    p.trees = std::max(1, static_cast<int>(param(params, "n_estimators", 10)));
    p.maxFeatures = param(params, "max_features", extraTrees ? 0.5 : 0.3);
    p.minLeaf = static_cast<int>(param(params, "min_samples_leaf", 1));
    p.maxDepth = static_cast<int>(param(params, "max_depth", 16));
    const Binned binned = binMatrix(input.x, options.seed);

    std::vector<Tree> trees(static_cast<std::size_t>(p.trees));
    std::vector<char> built(trees.size(), 0);
    std::atomic<std::size_t> next{0};
    auto work = [&] {
        for (;;) {
            const std::size_t t = next.fetch_add(1);
            if (t >= trees.size() || (t > 0 && options.shouldStop()))
                return;
            TreeBuilder builder(binned, input.y, input.numClasses, p, options.seed * 7919ULL + t * 104729ULL + 1);
            trees[t] = builder.build();
            built[t] = 1;
        }
    };
    const int threads = std::clamp(options.threads, 1, p.trees);
    std::vector<std::thread> pool;
    for (int i = 1; i < threads; ++i)
        pool.emplace_back(work);
    work();
    for (auto &t : pool)
        t.join();
    // On a deadline keep the trees that finished, in index order (deterministic prefix when
    // nothing stopped early).
    std::vector<Tree> kept;
    for (std::size_t t = 0; t < trees.size(); ++t)
        if (built[t])
            kept.push_back(std::move(trees[t]));
    HyperParams used = params;
    used["n_estimators"] = static_cast<double>(kept.size());
    return std::make_unique<ForestLearner>(extraTrees, input.numClasses, input.x.cols, std::move(kept),
                                           std::move(used));
}

std::unique_ptr<Learner> loadForest(const nlohmann::json &state, std::span<const std::uint8_t> blob,
                                    std::string &error)
{
    try {
        const bool extra = state.at("kind").get<std::string>() == "ExtremeRandomTrees";
        const int classes = state.at("classes").get<int>();
        const std::size_t features = state.at("features").get<std::size_t>();
        const std::size_t count = state.at("trees").get<std::size_t>();
        std::vector<Tree> trees(count);
        std::size_t offset = 0;
        auto take = [&](void *data, std::size_t size) {
            if (offset + size > blob.size())
                return false;
            std::memcpy(data, blob.data() + offset, size);
            offset += size;
            return true;
        };
        for (Tree &tree : trees) {
            std::uint32_t nodes = 0, values = 0;
            if (!take(&nodes, sizeof nodes) || !take(&values, sizeof values)) {
                error = "forest blob is truncated";
                return nullptr;
            }
            tree.nodes.resize(nodes);
            tree.values.resize(values);
            if (!take(tree.nodes.data(), nodes * sizeof(Node)) || !take(tree.values.data(), values * sizeof(float))) {
                error = "forest blob is truncated";
                return nullptr;
            }
            for (const Node &node : tree.nodes) {
                const bool ok = node.feature < 0
                                    ? node.value >= 0 && static_cast<std::size_t>(node.value) + classes <= values
                                    : static_cast<std::size_t>(node.feature) < features && node.left >= 0 &&
                                          node.right >= 0 && static_cast<std::uint32_t>(node.left) < nodes &&
                                          static_cast<std::uint32_t>(node.right) < nodes;
                if (!ok) {
                    error = "forest blob holds an invalid node";
                    return nullptr;
                }
            }
        }
        HyperParams used;
        const nlohmann::json stored = state.value("params", nlohmann::json::object());
        for (const auto &[name, value] : stored.items())
            used[name] = value.get<double>();
        return std::make_unique<ForestLearner>(extra, classes, features, std::move(trees), std::move(used));
    } catch (const nlohmann::json::exception &e) {
        error = std::string("forest: ") + e.what();
        return nullptr;
    }
}

} // namespace cerulean::automl::detail
