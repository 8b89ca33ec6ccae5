#include "core/automl/model_package.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <random>
#include <unistd.h>
#include <thread>
#include <sstream>
#include <system_error>

namespace cerulean::automl {
namespace {

namespace fs = std::filesystem;

// Batches this large are scored on several threads (thread start-up is about 50 us).
constexpr std::size_t kParallelScoringRows = 512;
constexpr std::size_t kMaxScoringThreads = 8;
using nlohmann::json;

std::optional<Error> writeFile(const fs::path &path, const void *data, std::size_t size)
{
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out)
        return Error{"cannot create " + path.string()};
    out.write(static_cast<const char *>(data), static_cast<std::streamsize>(size));
    out.close();
    if (!out)
        return Error{"cannot write " + path.string()};
    return std::nullopt;
}

bool readFile(const fs::path &path, std::string &content)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return false;
    std::ostringstream buffer;
    buffer << in.rdbuf();
    content = buffer.str();
    return true;
}

json metricsToJson(const std::map<std::string, double> &metrics)
{
    json out = json::object();
    for (const auto &[name, value] : metrics)
        out[name] = std::isfinite(value) ? json(value) : json(nullptr);
    return out;
}

std::map<std::string, double> metricsFromJson(const json &j)
{
    std::map<std::string, double> out;
    if (!j.is_object())
        return out;
    for (const auto &[name, value] : j.items())
        if (value.is_number())
            out[name] = value.get<double>();
    return out;
}

const char *kindName(Predictor::Kind kind)
{
    switch (kind) {
    case Predictor::Kind::Voting:
        return "voting";
    case Predictor::Kind::Stacking:
        return "stacking";
    case Predictor::Kind::Single:
        break;
    }
    return "single";
}

} // namespace

ModelPackage::ModelPackage(InputSchema schema, Featurizer featurizer, std::shared_ptr<const Predictor> predictor,
                           ModelPackageInfo info)
    : m_schema(std::move(schema)), m_featurizer(std::make_shared<const Featurizer>(std::move(featurizer))),
      m_predictor(std::move(predictor)), m_info(std::move(info))
{
}

std::optional<Error> ModelPackage::save(const fs::path &dirIn) const
{
    fs::path dir = dirIn.lexically_normal();
    if (!dir.has_filename())
        dir = dir.parent_path();
    const fs::path parent = dir.has_parent_path() ? dir.parent_path() : fs::path(".");
    std::error_code ec;
    fs::create_directories(parent, ec);
    std::random_device device;
    const fs::path temp =
        parent / ("." + dir.filename().string() + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(device()));
    const auto fail = [&](Error error) {
        std::error_code ignore;
        fs::remove_all(temp, ignore);
        return error;
    };
    if (auto error = writeInto(temp))
        return fail(*error);
    if (!fs::exists(dir, ec) || (fs::is_directory(dir, ec) && fs::is_empty(dir, ec))) {
        fs::remove(dir, ec); // an empty folder: rename() takes its place
        fs::rename(temp, dir, ec);
        if (ec)
            return fail(Error{"cannot move the package into " + dir.string() + ": " + ec.message()});
        return std::nullopt;
    }
    // A package is there already: swap the two in one step, then remove the old one.
    if (::renameat2(AT_FDCWD, temp.c_str(), AT_FDCWD, dir.c_str(), RENAME_EXCHANGE) != 0)
        return fail(Error{"cannot replace the package in " + dir.string() + ": " + std::strerror(errno)});
    fs::remove_all(temp, ec);
    return std::nullopt;
}

std::optional<Error> ModelPackage::writeInto(const fs::path &dir) const
{
    std::error_code ec;
    fs::create_directories(dir / "learners", ec);
    if (ec)
        return Error{"cannot create " + (dir / "learners").string() + ": " + ec.message()};

    const Predictor &p = *m_predictor;
    json members = json::array();
    std::size_t blobIndex = 0;
    auto saveLearner = [&](const Learner &learner, json &entry) -> std::optional<Error> {
        std::vector<std::uint8_t> blob;
        entry["state"] = learner.save(blob);
        if (!blob.empty()) {
            const std::string name = "learners/" + std::to_string(blobIndex++) + ".bin";
            if (auto error = writeFile(dir / name, blob.data(), blob.size()))
                return error;
            entry["blob"] = name;
            entry["blob_bytes"] = blob.size();
        }
        return std::nullopt;
    };
    for (std::size_t m = 0; m < p.members.size(); ++m) {
        const ModelMember &member = p.members[m];
        json learners = json::array();
        for (const auto &learner : member.bag) {
            json entry;
            if (auto error = saveLearner(*learner, entry))
                return error;
            learners.push_back(std::move(entry));
        }
        members.push_back({{"algorithm", member.algorithm},
                           {"display_name", member.displayName},
                           {"hyperparameters", hyperParamsToJson(member.params)},
                           {"weight", p.kind == Predictor::Kind::Voting ? p.weights.at(m) : 1.0},
                           {"learners", std::move(learners)}});
    }
    json model = {{"kind", kindName(p.kind)}, {"classes", p.classes}, {"members", std::move(members)}};
    if (p.kind == Predictor::Kind::Stacking && p.metaLearner) {
        json meta;
        if (auto error = saveLearner(*p.metaLearner, meta))
            return error;
        model["meta_learner"] = std::move(meta);
    }

    json doc = {{"format", kModelPackageFormat},
                {"format_version", kModelPackageFormatVersion},
                {"name", m_info.name},
                {"version", m_info.version},
                {"task", m_info.task},
                {"primary_metric", m_info.primaryMetric},
                {"created_utc", m_info.createdUtc},
                {"target", m_schema.target},
                {"class_labels", m_schema.classLabels},
                {"input_schema", json::parse(m_schema.toJson())},
                {"featurizer", json::parse(m_featurizer->toJson())},
                {"model", std::move(model)},
                {"metrics", {{"validation", metricsToJson(m_info.validationMetrics)},
                             {"test", metricsToJson(m_info.testMetrics)}}}};
    const std::string text = doc.dump(1);
    return writeFile(dir / "model.json", text.data(), text.size());
}

Expected<ModelPackage> ModelPackage::load(const fs::path &dir)
{
    const fs::path modelPath = dir / "model.json";
    std::string text;
    if (!fs::is_directory(dir))
        return Error{dir.string() + " is not a model package directory"};
    if (!readFile(modelPath, text))
        return Error{modelPath.string() + ": cannot read (is this a model package?)"};
    json doc = json::parse(text, nullptr, false);
    if (doc.is_discarded() || !doc.is_object())
        return Error{modelPath.string() + ": not valid JSON"};
    try {
        if (doc.value("format", std::string()) != kModelPackageFormat)
            return Error{modelPath.string() + ": \"format\" is not \"" + kModelPackageFormat + "\""};
        const int formatVersion = doc.value("format_version", 0);
        if (formatVersion < 1 || formatVersion > kModelPackageFormatVersion)
            return Error{modelPath.string() + ": format_version " + std::to_string(formatVersion) +
                         " is not supported (this build reads up to " + std::to_string(kModelPackageFormatVersion) +
                         ")"};
        auto schema = InputSchema::fromJson(doc.at("input_schema").dump());
        if (!schema)
            return Error{modelPath.string() + ": input_schema: " + schema.error()};
        auto featurizer = Featurizer::fromJson(doc.at("featurizer").dump());
        if (!featurizer)
            return Error{modelPath.string() + ": featurizer: " + featurizer.error()};

        auto loadOne = [&](const json &entry, std::shared_ptr<const Learner> &out) -> std::optional<Error> {
            std::string blob;
            if (entry.contains("blob")) {
                const std::string name = entry.at("blob").get<std::string>();
                if (name.find("..") != std::string::npos)
                    return Error{modelPath.string() + ": blob path '" + name + "' leaves the package"};
                if (!readFile(dir / name, blob))
                    return Error{(dir / name).string() + ": missing learner blob"};
            }
            std::string error;
            auto learner = loadLearner(entry.at("state"),
                                       std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t *>(blob.data()),
                                                                     blob.size()),
                                       error);
            if (!learner)
                return Error{modelPath.string() + ": " + error};
            out = std::move(learner);
            return std::nullopt;
        };

        auto predictor = std::make_shared<Predictor>();
        const json &model = doc.at("model");
        const std::string kind = model.at("kind").get<std::string>();
        predictor->kind = kind == "voting"     ? Predictor::Kind::Voting
                          : kind == "stacking" ? Predictor::Kind::Stacking
                                               : Predictor::Kind::Single;
        predictor->classes = model.at("classes").get<int>();
        if (predictor->classes != static_cast<int>(schema->classLabels.size()))
            return Error{modelPath.string() + ": model has " + std::to_string(predictor->classes) +
                         " classes but the schema lists " + std::to_string(schema->classLabels.size())};
        for (const json &m : model.at("members")) {
            ModelMember member;
            member.algorithm = m.at("algorithm").get<std::string>();
            member.displayName = m.value("display_name", member.algorithm);
            for (const auto &[name, value] : m.at("hyperparameters").items())
                member.params[name] = value.get<double>();
            for (const json &entry : m.at("learners")) {
                std::shared_ptr<const Learner> learner;
                if (auto error = loadOne(entry, learner))
                    return *error;
                if (learner->numClasses() != predictor->classes ||
                    learner->numFeatures() != featurizer->featureCount())
                    return Error{modelPath.string() + ": learner " + member.algorithm +
                                 " does not match the featurizer's features or the classes"};
                member.bag.push_back(std::move(learner));
            }
            if (member.bag.empty())
                return Error{modelPath.string() + ": member " + member.algorithm + " has no learners"};
            predictor->weights.push_back(m.value("weight", 1.0));
            predictor->members.push_back(std::move(member));
        }
        if (predictor->members.empty())
            return Error{modelPath.string() + ": model has no members"};
        if (predictor->kind == Predictor::Kind::Stacking) {
            if (!model.contains("meta_learner"))
                return Error{modelPath.string() + ": stacking model without meta_learner"};
            if (auto error = loadOne(model.at("meta_learner"), predictor->metaLearner))
                return *error;
        }
        ModelPackageInfo info;
        info.name = doc.value("name", predictor->name());
        info.version = doc.value("version", std::string("1"));
        info.task = doc.value("task", std::string("classification"));
        info.primaryMetric = doc.value("primary_metric", std::string());
        info.createdUtc = doc.value("created_utc", std::string());
        if (doc.contains("metrics")) {
            info.validationMetrics = metricsFromJson(doc["metrics"].value("validation", json::object()));
            info.testMetrics = metricsFromJson(doc["metrics"].value("test", json::object()));
        }
        return ModelPackage(std::move(*schema), std::move(*featurizer), std::move(predictor), std::move(info));
    } catch (const json::exception &e) {
        return Error{modelPath.string() + ": " + e.what()};
    }
}

std::vector<double> ModelPackage::predictFeatures(const FeatureMatrix &features) const
{
    std::vector<double> out(features.rows * static_cast<std::size_t>(m_predictor->classes));
    m_predictor->predictProba(DenseView{features.values.data(), features.rows, features.cols}, out);
    return out;
}

Expected<std::vector<std::vector<double>>> ModelPackage::predictProba(std::span<const std::vector<Cell>> rows) const
{
    const std::size_t width = m_featurizer->featureCount();
    const std::size_t columns = m_schema.columns.size();
    std::vector<float> features(rows.size() * width);
    for (std::size_t r = 0; r < rows.size(); ++r) {
        if (rows[r].size() != columns)
            return Error{"row " + std::to_string(r + 1) + ": " + std::to_string(rows[r].size()) + " values, expected " +
                         std::to_string(columns)};
        if (auto error = m_featurizer->transformRow(rows[r], std::span<float>(features.data() + r * width, width)))
            return Error{"row " + std::to_string(r + 1) + ": " + error->message};
    }
    const std::size_t k = static_cast<std::size_t>(m_predictor->classes);
    std::vector<double> flat(rows.size() * k);
    // Batches (cerulean-cli score) spread over the cores in row blocks; the learners predict
    // on the caller's thread, so one scoring request stays on one thread.
    const std::size_t blocks = rows.size() >= kParallelScoringRows
                                   ? std::clamp<std::size_t>(std::thread::hardware_concurrency(), 1, kMaxScoringThreads)
                                   : 1;
    const std::size_t per = (rows.size() + blocks - 1) / blocks;
    auto predictBlock = [&](std::size_t b) {
        const std::size_t first = b * per, count = std::min(per, rows.size() - std::min(rows.size(), first));
        if (count > 0)
            m_predictor->predictProba(DenseView{features.data() + first * width, count, width},
                                      std::span<double>(flat.data() + first * k, count * k));
    };
    std::vector<std::thread> helpers;
    for (std::size_t b = 1; b < blocks; ++b)
        helpers.emplace_back(predictBlock, b);
    predictBlock(0);
    for (auto &t : helpers)
        t.join();
    std::vector<std::vector<double>> out(rows.size());
    for (std::size_t r = 0; r < rows.size(); ++r)
        out[r].assign(flat.begin() + static_cast<std::ptrdiff_t>(r * k),
                      flat.begin() + static_cast<std::ptrdiff_t>((r + 1) * k));
    return out;
}

Expected<std::vector<std::string>> ModelPackage::predict(std::span<const std::vector<Cell>> rows) const
{
    auto proba = predictProba(rows);
    if (!proba)
        return Error{proba.error()};
    std::vector<std::string> labels;
    labels.reserve(proba->size());
    for (const auto &p : *proba) {
        const auto best = static_cast<std::size_t>(std::max_element(p.begin(), p.end()) - p.begin());
        labels.push_back(best < m_schema.classLabels.size() ? m_schema.classLabels[best] : std::string());
    }
    return labels;
}

} // namespace cerulean::automl
