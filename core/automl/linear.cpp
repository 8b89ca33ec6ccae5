// Linear learners on standardized features: L2 logistic regression (multinomial, L-BFGS)
// and a linear SVM trained by averaged SGD on the hinge loss, calibrated with Platt scaling.

#include "core/automl/learners_internal.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

namespace cerulean::automl::detail {
namespace {

// Per-column standardization; constant columns keep scale 1 so they contribute nothing new.
struct Scaler
{
    std::vector<double> mean, inverseScale;

    void fit(DenseView x)
    {
        mean.assign(x.cols, 0.0);
        std::vector<double> sq(x.cols, 0.0);
        for (std::size_t r = 0; r < x.rows; ++r) {
            const float *row = x.row(r);
            for (std::size_t c = 0; c < x.cols; ++c) {
                const double v = std::isfinite(row[c]) ? row[c] : 0.0;
                mean[c] += v;
                sq[c] += v * v;
            }
        }
        inverseScale.assign(x.cols, 1.0);
        const double n = std::max<double>(1.0, static_cast<double>(x.rows));
        for (std::size_t c = 0; c < x.cols; ++c) {
            mean[c] /= n;
            const double var = sq[c] / n - mean[c] * mean[c];
            inverseScale[c] = var > 1e-24 ? 1.0 / std::sqrt(var) : 1.0;
        }
    }

    void apply(const float *row, double *out) const
    {
        for (std::size_t c = 0; c < mean.size(); ++c)
            out[c] = std::isfinite(row[c]) ? (row[c] - mean[c]) * inverseScale[c] : 0.0;
    }
};

std::vector<double> standardize(const Scaler &scaler, DenseView x)
{
    std::vector<double> z(x.rows * x.cols);
    for (std::size_t r = 0; r < x.rows; ++r)
        scaler.apply(x.row(r), z.data() + r * x.cols);
    return z;
}

double sigmoid(double t) { return t >= 0 ? 1.0 / (1.0 + std::exp(-t)) : std::exp(t) / (1.0 + std::exp(t)); }

enum class Link { Sigmoid, Softmax, PlattOneVsRest };

class LinearLearner final : public Learner
{
public:
    LinearLearner(std::string kind, int classes, Scaler scaler, std::vector<double> weights, Link link,
                  std::vector<double> platt, HyperParams used)
        : kind_(std::move(kind)), classes_(classes), scaler_(std::move(scaler)), weights_(std::move(weights)),
          link_(link), platt_(std::move(platt)), used_(std::move(used))
    {
    }

    std::string kind() const override { return kind_; }
    int numClasses() const override { return classes_; }
    std::size_t numFeatures() const override { return scaler_.mean.size(); }
    HyperParams effectiveParams() const override { return used_; }

    void predictProba(DenseView x, std::span<double> out) const override
    {
        const std::size_t d = scaler_.mean.size();
        const std::size_t outputs = weights_.size() / (d + 1);
        std::vector<double> z(d), score(outputs);
        for (std::size_t r = 0; r < x.rows; ++r) {
            scaler_.apply(x.row(r), z.data());
            for (std::size_t k = 0; k < outputs; ++k) {
                const double *w = weights_.data() + k * (d + 1);
                double s = w[d];
                for (std::size_t c = 0; c < d; ++c)
                    s += w[c] * z[c];
                score[k] = s;
            }
            double *p = out.data() + r * classes_;
            probabilities(score.data(), p);
        }
    }

    void probabilities(const double *score, double *p) const
    {
        switch (link_) {
        case Link::Sigmoid:
            p[1] = sigmoid(score[0]);
            p[0] = 1.0 - p[1];
            break;
        case Link::Softmax: {
            const double top = *std::max_element(score, score + classes_);
            double sum = 0;
            for (int k = 0; k < classes_; ++k)
                sum += (p[k] = std::exp(score[k] - top));
            for (int k = 0; k < classes_; ++k)
                p[k] /= sum;
            break;
        }
        case Link::PlattOneVsRest:
            if (classes_ == 2) {
                p[1] = sigmoid(platt_[0] * score[0] + platt_[1]);
                p[0] = 1.0 - p[1];
            } else {
                double sum = 0;
                for (int k = 0; k < classes_; ++k)
                    sum += (p[k] = sigmoid(platt_[2 * k] * score[k] + platt_[2 * k + 1]));
                for (int k = 0; k < classes_; ++k)
                    p[k] = sum > 0 ? p[k] / sum : 1.0 / classes_;
            }
            break;
        }
    }

    nlohmann::json save(std::vector<std::uint8_t> &) const override
    {
        return {{"kind", kind_},
                {"classes", classes_},
                {"mean", scaler_.mean},
                {"inverse_scale", scaler_.inverseScale},
                {"weights", weights_},
                {"link", link_ == Link::Sigmoid ? "sigmoid" : link_ == Link::Softmax ? "softmax" : "platt_ovr"},
                {"platt", platt_},
                {"params", hyperParamsToJson(used_)}};
    }

private:
    std::string kind_;
    int classes_;
    Scaler scaler_;
    std::vector<double> weights_; // outputs x (features + 1), bias last
    Link link_;
    std::vector<double> platt_; // (a, b) per output
    HyperParams used_;
};

// Limited-memory BFGS with a backtracking Armijo line search: minimizes f over w.
template <typename Objective>
void minimizeLbfgs(Objective &&f, std::vector<double> &w, int maxIterations, const TrainOptions &options)
{
    const std::size_t n = w.size();
    const int memory = 8;
    std::vector<std::vector<double>> s, y;
    std::vector<double> rho;
    std::vector<double> g(n), gNew(n), direction(n), wNew(n);
    double value = f(w, g);
    for (int iter = 0; iter < maxIterations; ++iter) {
        if (options.shouldStop())
            break;
        // Two-loop recursion.
        direction = g;
        std::vector<double> alpha(s.size());
        for (int i = static_cast<int>(s.size()) - 1; i >= 0; --i) {
            alpha[i] = rho[i] * std::inner_product(s[i].begin(), s[i].end(), direction.begin(), 0.0);
            for (std::size_t j = 0; j < n; ++j)
                direction[j] -= alpha[i] * y[i][j];
        }
        if (!s.empty()) {
            const double yy = std::inner_product(y.back().begin(), y.back().end(), y.back().begin(), 0.0);
            const double gamma = yy > 0 ? 1.0 / (rho.back() * yy) : 1.0;
            for (double &v : direction)
                v *= gamma;
        }
        for (std::size_t i = 0; i < s.size(); ++i) {
            const double beta = rho[i] * std::inner_product(y[i].begin(), y[i].end(), direction.begin(), 0.0);
            for (std::size_t j = 0; j < n; ++j)
                direction[j] += s[i][j] * (alpha[i] - beta);
        }
        for (double &v : direction)
            v = -v;
        double slope = std::inner_product(g.begin(), g.end(), direction.begin(), 0.0);
        if (slope >= 0) { // not a descent direction: restart from steepest descent
            for (std::size_t j = 0; j < n; ++j)
                direction[j] = -g[j];
            slope = -std::inner_product(g.begin(), g.end(), g.begin(), 0.0);
            s.clear();
            y.clear();
            rho.clear();
        }
        double step = 1.0;
        double valueNew = 0;
        bool accepted = false;
        for (int tries = 0; tries < 30; ++tries) {
            for (std::size_t j = 0; j < n; ++j)
                wNew[j] = w[j] + step * direction[j];
            valueNew = f(wNew, gNew);
            if (valueNew <= value + 1e-4 * step * slope) {
                accepted = true;
                break;
            }
            step *= 0.5;
        }
        if (!accepted)
            break;
        std::vector<double> sk(n), yk(n);
        for (std::size_t j = 0; j < n; ++j) {
            sk[j] = wNew[j] - w[j];
            yk[j] = gNew[j] - g[j];
        }
        const double sy = std::inner_product(sk.begin(), sk.end(), yk.begin(), 0.0);
        if (sy > 1e-12) {
            if (static_cast<int>(s.size()) == memory) {
                s.erase(s.begin());
                y.erase(y.begin());
                rho.erase(rho.begin());
            }
            s.push_back(std::move(sk));
            y.push_back(std::move(yk));
            rho.push_back(1.0 / sy);
        }
        const double change = std::abs(value - valueNew);
        w.swap(wNew);
        g.swap(gNew);
        value = valueNew;
        if (change <= 1e-9 * std::max(1.0, std::abs(value)))
            break;
    }
}

// Fits p = sigmoid(a * s + b) to binary targets with Platt's smoothed labels (Newton steps).
std::pair<double, double> fitPlatt(const std::vector<double> &rawScores, const std::vector<int> &positive)
{
    double nPos = 0, nNeg = 0;
    for (int t : positive)
        (t ? nPos : nNeg) += 1;
    const double hi = (nPos + 1) / (nPos + 2), lo = 1 / (nNeg + 2);
    // Newton's method on raw margins diverged when a weakly regularized SVM produced large
    // ones (a flipped sign turned an AUC of 0.93 into 0.19): fit on standardized margins,
    // with a step halved until the log-likelihood improves.
    const double n = static_cast<double>(std::max<std::size_t>(rawScores.size(), 1));
    const double mean = std::accumulate(rawScores.begin(), rawScores.end(), 0.0) / n;
    double var = 0;
    for (double v : rawScores)
        var += (v - mean) * (v - mean);
    const double sd = std::sqrt(var / n) > 1e-12 ? std::sqrt(var / n) : 1.0;
    std::vector<double> scores(rawScores.size());
    for (std::size_t i = 0; i < scores.size(); ++i)
        scores[i] = (rawScores[i] - mean) / sd;
    auto loss = [&](double a, double b) {
        double total = 0;
        for (std::size_t i = 0; i < scores.size(); ++i) {
            const double t = positive[i] ? hi : lo;
            const double z = a * scores[i] + b;
            // -[t log p + (1 - t) log(1 - p)] with p = sigmoid(z), stably.
            total += (z > 0 ? z + std::log1p(std::exp(-z)) : std::log1p(std::exp(z))) - t * z;
        }
        return total;
    };
    double a = 1, b = 0;
    double current = loss(a, b);
    for (int iter = 0; iter < 50; ++iter) {
        double g0 = 0, g1 = 0, h00 = 1e-12, h01 = 0, h11 = 1e-12;
        for (std::size_t i = 0; i < scores.size(); ++i) {
            const double t = positive[i] ? hi : lo;
            const double p = sigmoid(a * scores[i] + b);
            const double d = p - t, w = p * (1 - p);
            g0 += d * scores[i];
            g1 += d;
            h00 += w * scores[i] * scores[i];
            h01 += w * scores[i];
            h11 += w;
        }
        const double det = h00 * h11 - h01 * h01;
        if (std::abs(det) < 1e-18)
            break;
        const double da = (h11 * g0 - h01 * g1) / det, db = (h00 * g1 - h01 * g0) / det;
        double step = 1.0;
        bool improved = false;
        for (int halving = 0; halving < 30; ++halving, step *= 0.5) {
            const double candidate = loss(a - step * da, b - step * db);
            if (candidate <= current) {
                a -= step * da;
                b -= step * db;
                current = candidate;
                improved = true;
                break;
            }
        }
        if (!improved || step * (std::abs(da) + std::abs(db)) < 1e-9)
            break;
    }
    // Back to raw margins: a * (s - mean) / sd + b.
    return {a / sd, b - a * mean / sd};
}

} // namespace

std::unique_ptr<Learner> trainLogistic(const HyperParams &params, const TrainInput &input, const TrainOptions &options,
                                       std::string &)
{
    Scaler scaler;
    scaler.fit(input.x);
    const std::vector<double> z = standardize(scaler, input.x);
    const std::size_t d = input.x.cols, n = input.x.rows;
    const int classes = input.numClasses;
    const std::size_t outputs = classes == 2 ? 1 : static_cast<std::size_t>(classes);
    const double c = param(params, "C", 1.0);
    const double l2 = 1.0 / (c * static_cast<double>(std::max<std::size_t>(n, 1)));
    const int maxIter = static_cast<int>(param(params, "max_iter", 100));

    std::vector<double> w(outputs * (d + 1), 0.0);
    auto objective = [&](const std::vector<double> &wt, std::vector<double> &grad) {
        std::fill(grad.begin(), grad.end(), 0.0);
        double loss = 0;
        std::vector<double> score(outputs), p(outputs);
        for (std::size_t r = 0; r < n; ++r) {
            const double *zr = z.data() + r * d;
            for (std::size_t k = 0; k < outputs; ++k) {
                const double *wk = wt.data() + k * (d + 1);
                double s = wk[d];
                for (std::size_t j = 0; j < d; ++j)
                    s += wk[j] * zr[j];
                score[k] = s;
            }
            const int label = input.y[r];
            if (outputs == 1) {
                const double s = score[0];
                // log(1 + exp(-y s)) computed stably.
                const double margin = label == 1 ? s : -s;
                loss += margin > 0 ? std::log1p(std::exp(-margin)) : -margin + std::log1p(std::exp(margin));
                p[0] = sigmoid(s) - (label == 1 ? 1.0 : 0.0);
            } else {
                const double top = *std::max_element(score.begin(), score.end());
                double sum = 0;
                for (std::size_t k = 0; k < outputs; ++k)
                    sum += (p[k] = std::exp(score[k] - top));
                loss += std::log(sum) + top - score[static_cast<std::size_t>(label)];
                for (std::size_t k = 0; k < outputs; ++k)
                    p[k] = p[k] / sum - (static_cast<int>(k) == label ? 1.0 : 0.0);
            }
            for (std::size_t k = 0; k < outputs; ++k) {
                double *gk = grad.data() + k * (d + 1);
                for (std::size_t j = 0; j < d; ++j)
                    gk[j] += p[k] * zr[j];
                gk[d] += p[k];
            }
        }
        const double inv = 1.0 / static_cast<double>(std::max<std::size_t>(n, 1));
        loss *= inv;
        for (double &v : grad)
            v *= inv;
        for (std::size_t k = 0; k < outputs; ++k) {
            for (std::size_t j = 0; j < d; ++j) { // the bias is not penalized
                const double wv = wt[k * (d + 1) + j];
                loss += 0.5 * l2 * wv * wv;
                grad[k * (d + 1) + j] += l2 * wv;
            }
        }
        return loss;
    };
    minimizeLbfgs(objective, w, maxIter, options);
    HyperParams used = params;
    return std::make_unique<LinearLearner>("LogisticRegression", classes, std::move(scaler), std::move(w),
                                           outputs == 1 ? Link::Sigmoid : Link::Softmax, std::vector<double>{},
                                           std::move(used));
}

std::unique_ptr<Learner> trainLinearSvm(const HyperParams &params, const TrainInput &input,
                                        const TrainOptions &options, std::string &)
{
    Scaler scaler;
    scaler.fit(input.x);
    const std::vector<double> z = standardize(scaler, input.x);
    const std::size_t d = input.x.cols, n = input.x.rows;
    const int classes = input.numClasses;
    const std::size_t outputs = classes == 2 ? 1 : static_cast<std::size_t>(classes);
    const double lambda = param(params, "alpha", 1e-4);
    const int epochs = static_cast<int>(param(params, "epochs", 10));
    std::mt19937_64 rng(options.seed ^ 0x5eedULL);
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), 0);

    std::vector<double> weights(outputs * (d + 1), 0.0);
    std::vector<double> platt;
    for (std::size_t k = 0; k < outputs; ++k) {
        const int positiveClass = outputs == 1 ? 1 : static_cast<int>(k);
        std::vector<double> w(d + 1, 0.0), avg(d + 1, 0.0);
        double t = 0;
        const double eta0 = 0.1;
        for (int epoch = 0; epoch < epochs && !options.shouldStop(); ++epoch) {
            std::shuffle(order.begin(), order.end(), rng);
            for (std::size_t idx : order) {
                const double *zr = z.data() + idx * d;
                const double target = input.y[idx] == positiveClass ? 1.0 : -1.0;
                double s = w[d];
                for (std::size_t j = 0; j < d; ++j)
                    s += w[j] * zr[j];
                // Rare one-hot levels standardize to large values; bounding the step by the
                // row's squared norm keeps one such row from throwing the weights around.
                double norm2 = 1.0;
                for (std::size_t j = 0; j < d; ++j)
                    norm2 += zr[j] * zr[j];
                const double eta = eta0 / (1.0 + eta0 * lambda * t) / std::max(1.0, norm2 / static_cast<double>(d + 1));
                const double shrink = 1.0 - eta * lambda;
                for (std::size_t j = 0; j < d; ++j)
                    w[j] *= shrink;
                if (target * s < 1.0) {
                    for (std::size_t j = 0; j < d; ++j)
                        w[j] += eta * target * zr[j];
                    w[d] += eta * target * 0.1; // a damped bias step keeps the intercept stable
                }
                t += 1;
                // Polyak averaging over the whole run smooths SGD's noise.
                const double mu = 1.0 / t;
                for (std::size_t j = 0; j <= d; ++j)
                    avg[j] += mu * (w[j] - avg[j]);
            }
        }
        std::copy(avg.begin(), avg.end(), weights.begin() + static_cast<std::ptrdiff_t>(k * (d + 1)));
        std::vector<double> scores(n);
        std::vector<int> positive(n);
        for (std::size_t r = 0; r < n; ++r) {
            double s = avg[d];
            for (std::size_t j = 0; j < d; ++j)
                s += avg[j] * z[r * d + j];
            scores[r] = s;
            positive[r] = input.y[r] == positiveClass ? 1 : 0;
        }
        const auto [a, b] = fitPlatt(scores, positive);
        platt.push_back(a);
        platt.push_back(b);
    }
    HyperParams used = params;
    return std::make_unique<LinearLearner>("LinearSVM", classes, std::move(scaler), std::move(weights),
                                           Link::PlattOneVsRest, std::move(platt), std::move(used));
}

std::unique_ptr<Learner> loadLinear(const nlohmann::json &state, std::string &error)
{
    try {
        Scaler scaler;
        scaler.mean = state.at("mean").get<std::vector<double>>();
        scaler.inverseScale = state.at("inverse_scale").get<std::vector<double>>();
        const std::string link = state.at("link").get<std::string>();
        HyperParams used;
        const nlohmann::json stored = state.value("params", nlohmann::json::object());
        for (const auto &[name, value] : stored.items())
            used[name] = value.get<double>();
        const int classes = state.at("classes").get<int>();
        auto weights = state.at("weights").get<std::vector<double>>();
        const std::size_t d = scaler.mean.size();
        if (scaler.inverseScale.size() != d || weights.size() % (d + 1) != 0 || classes < 2) {
            error = "linear model: inconsistent array sizes";
            return nullptr;
        }
        return std::make_unique<LinearLearner>(state.at("kind").get<std::string>(), classes, std::move(scaler),
                                               std::move(weights),
                                               link == "sigmoid"   ? Link::Sigmoid
                                               : link == "softmax" ? Link::Softmax
                                                                   : Link::PlattOneVsRest,
                                               state.value("platt", std::vector<double>{}), std::move(used));
    } catch (const nlohmann::json::exception &e) {
        error = std::string("linear model: ") + e.what();
        return nullptr;
    }
}

} // namespace cerulean::automl::detail
