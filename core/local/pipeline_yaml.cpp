// Pipeline job JSON -> Azure ML pipeline YAML.

#include "core/local/pipeline_yaml.h"

#include <QRegularExpression>
#include <QStringList>

#include <nlohmann/json.hpp>

namespace cerulean::local {

namespace {

using Json = nlohmann::json;

QString str(const Json &j, const char *key)
{
    return j.is_object() && j.contains(key) && j[key].is_string() ? QString::fromStdString(j[key].get<std::string>()) : QString();
}

// An ARM compute id as the YAML writes it: azureml:name.
QString computeRef(const QString &value)
{
    if (value.startsWith(QLatin1Char('/')) && value.contains(QLatin1String("/computes/"), Qt::CaseInsensitive))
        return QStringLiteral("azureml:") + value.section(QLatin1Char('/'), -1);
    return value;
}

QString scalar(const QString &text)
{
    static const QRegularExpression plain(QStringLiteral("^[A-Za-z0-9_$./(][^\\n\\t]*$"));
    static const QRegularExpression special(QStringLiteral("^(true|false|yes|no|on|off|null|~|[-+]?[0-9.]+([eE][-+]?[0-9]+)?)$"),
                                            QRegularExpression::CaseInsensitiveOption);
    const bool safe = !text.isEmpty() && plain.match(text).hasMatch() && !special.match(text).hasMatch() &&
                      !text.contains(QLatin1String(": ")) && !text.contains(QLatin1String(" #")) && !text.endsWith(QLatin1Char(':')) &&
                      !text.endsWith(QLatin1Char(' '));
    if (safe)
        return text;
    QString out = QStringLiteral("\"");
    for (const QChar ch : text) {
        if (ch == QLatin1Char('"') || ch == QLatin1Char('\\'))
            out += QLatin1Char('\\') + QString(ch);
        else if (ch == QLatin1Char('\n'))
            out += QStringLiteral("\\n");
        else if (ch == QLatin1Char('\t'))
            out += QStringLiteral("\\t");
        else
            out += ch;
    }
    return out + QLatin1Char('"');
}

QString value(const Json &j)
{
    if (j.is_string())
        return scalar(QString::fromStdString(j.get<std::string>()));
    if (j.is_null())
        return QStringLiteral("null");
    return QString::fromStdString(j.dump());
}

// A literal pipeline input: a number or boolean when it reads as one.
QString literal(const QString &text)
{
    static const QRegularExpression number(QStringLiteral("^[-+]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?$"));
    if (number.match(text).hasMatch() || text == QLatin1String("true") || text == QLatin1String("false"))
        return text;
    return scalar(text);
}

void emit(QStringList &out, const Json &j, int indent, const QStringList &first = {});

void emitKey(QStringList &out, const QString &key, const Json &v, int indent)
{
    const QString pad(indent, QLatin1Char(' '));
    if (v.is_object() && !v.empty()) {
        out << pad + scalar(key) + QLatin1Char(':');
        emit(out, v, indent + 2, {QStringLiteral("type")});
    } else if (v.is_array() && !v.empty()) {
        out << pad + scalar(key) + QLatin1Char(':');
        emit(out, v, indent + 2);
    } else if (v.is_object()) {
        out << pad + scalar(key) + QStringLiteral(": {}");
    } else if (v.is_array()) {
        out << pad + scalar(key) + QStringLiteral(": []");
    } else {
        const QString k = key;
        Json shown = v;
        if ((k == QLatin1String("compute") || k == QLatin1String("default_compute")) && v.is_string())
            shown = computeRef(QString::fromStdString(v.get<std::string>())).toStdString();
        out << pad + scalar(key) + QStringLiteral(": ") + value(shown);
    }
}

void emit(QStringList &out, const Json &j, int indent, const QStringList &first)
{
    const QString pad(indent, QLatin1Char(' '));
    if (j.is_object()) {
        for (const QString &k : first)
            if (j.contains(k.toStdString()))
                emitKey(out, k, j[k.toStdString()], indent);
        for (auto it = j.begin(); it != j.end(); ++it)
            if (!first.contains(QString::fromStdString(it.key())))
                emitKey(out, QString::fromStdString(it.key()), it.value(), indent);
    } else if (j.is_array()) {
        for (const Json &v : j) {
            if (v.is_structured() && !v.empty()) {
                QStringList inner;
                emit(inner, v, indent + 2);
                if (!inner.isEmpty())
                    inner[0] = pad + QStringLiteral("- ") + inner[0].mid(indent + 2);
                out << inner;
            } else {
                out << pad + QStringLiteral("- ") + value(v);
            }
        }
    }
}

} // namespace

std::optional<QString> pipelineJobYaml(const QByteArray &jobJson, QString *error)
{
    const Json doc = Json::parse(jobJson.constData(), jobJson.constData() + jobJson.size(), nullptr, false);
    const Json p = doc.is_object() && doc.contains("properties") && doc["properties"].is_object() &&
                           doc["properties"].contains("jobType")
                       ? doc["properties"]
                       : doc;
    if (!p.is_object() || str(p, "jobType") != QLatin1String("Pipeline")) {
        if (error)
            *error = QStringLiteral("the JSON is not a pipeline job (properties.jobType is not Pipeline).");
        return std::nullopt;
    }
    QStringList out;
    out << QStringLiteral("$schema: https://azuremlschemas.azureedge.net/latest/pipelineJob.schema.json")
        << QStringLiteral("type: pipeline");
    if (!str(p, "displayName").isEmpty())
        out << QStringLiteral("display_name: ") + scalar(str(p, "displayName"));
    if (!str(p, "experimentName").isEmpty())
        out << QStringLiteral("experiment_name: ") + scalar(str(p, "experimentName"));
    if (!str(p, "description").isEmpty())
        out << QStringLiteral("description: ") + scalar(str(p, "description"));
    if (p.contains("tags") && p["tags"].is_object() && !p["tags"].empty())
        emitKey(out, QStringLiteral("tags"), p["tags"], 0);

    Json settings = p.value("settings", Json::object());
    Json yamlSettings = Json::object();
    if (settings.is_object())
        for (auto it = settings.begin(); it != settings.end(); ++it) {
            std::string key = it.key();
            if (key == "defaultCompute")
                key = "default_compute";
            if (key == "forceRerun")
                key = "force_rerun";
            if (key.rfind('_', 0) == 0)
                continue; // the SDK's private markers
            yamlSettings[key] = it.value();
        }
    if (!yamlSettings.contains("default_compute") && !str(p, "computeId").isEmpty())
        yamlSettings["default_compute"] = str(p, "computeId").toStdString();
    if (!yamlSettings.empty())
        emitKey(out, QStringLiteral("settings"), yamlSettings, 0);

    const Json inputs = p.value("inputs", Json::object());
    if (inputs.is_object() && !inputs.empty()) {
        out << QStringLiteral("inputs:");
        for (auto it = inputs.begin(); it != inputs.end(); ++it) {
            const QString name = scalar(QString::fromStdString(it.key()));
            const Json &in = it.value();
            const QString type = str(in, "jobInputType");
            if (type.compare(QLatin1String("literal"), Qt::CaseInsensitive) == 0) {
                const Json &v = in.value("value", Json());
                out << QStringLiteral("  ") + name + QStringLiteral(": ") +
                           (v.is_string() ? literal(QString::fromStdString(v.get<std::string>())) : value(v));
            } else {
                out << QStringLiteral("  ") + name + QLatin1Char(':') << QStringLiteral("    type: ") + scalar(type)
                    << QStringLiteral("    path: ") + scalar(str(in, "uri"));
                if (!str(in, "mode").isEmpty())
                    out << QStringLiteral("    mode: ") + scalar(str(in, "mode").toLower());
            }
        }
    }
    const Json outputs = p.value("outputs", Json::object());
    QStringList outputLines;
    if (outputs.is_object())
        for (auto it = outputs.begin(); it != outputs.end(); ++it) {
            if (it.key() == "default")
                continue; // the service's own run folder, not part of the definition
            outputLines << QStringLiteral("  ") + scalar(QString::fromStdString(it.key())) + QLatin1Char(':')
                        << QStringLiteral("    type: ") + scalar(str(it.value(), "jobOutputType"));
            if (!str(it.value(), "assetName").isEmpty())
                outputLines << QStringLiteral("    name: ") + scalar(str(it.value(), "assetName"));
            if (!str(it.value(), "assetVersion").isEmpty())
                outputLines << QStringLiteral("    version: ") + scalar(str(it.value(), "assetVersion"));
        }
    if (!outputLines.isEmpty())
        out << QStringLiteral("outputs:") << outputLines;
    const Json jobs = p.value("jobs", Json::object());
    if (jobs.is_object() && !jobs.empty())
        emitKey(out, QStringLiteral("jobs"), jobs, 0);
    return out.join(QLatin1Char('\n')) + QLatin1Char('\n');
}

} // namespace cerulean::local
