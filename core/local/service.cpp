#include "core/local/service.h"

#include "core/local/arm_internal.h"
#include "core/local/deployment_host.h"
#include "core/local/job_runner.h"
#include "core/local/pipeline_runner.h"
#include "core/serving/json_depth.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QUuid>

#include <atomic>

namespace cerulean::local {

// ---------------------------------------------------------------------------------------
// helpers
QString newGuid() { return QUuid::createUuid().toString(QUuid::WithoutBraces); }

QString randomSecret(int bytes)
{
    // Whole words from the system generator, then cut to `bytes`: every byte is random (a
    // length that is not a multiple of 4 used to leave its last bytes unset).
    QByteArray raw((bytes + 3) / 4 * 4, Qt::Uninitialized);
    QRandomGenerator::system()->generate(reinterpret_cast<quint32 *>(raw.data()),
                                         reinterpret_cast<quint32 *>(raw.data()) + raw.size() / 4);
    raw.truncate(bytes);
    return QString::fromLatin1(raw.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
}

QString isoFromMs(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODateWithMs);
}

QString isoNow() { return isoFromMs(Store::nowMs()); }

QString sha256Hex(const QString &text)
{
    return QString::fromLatin1(QCryptographicHash::hash(text.toUtf8(), QCryptographicHash::Sha256).toHex());
}

bool constantTimeEquals(const QByteArray &a, const QByteArray &b)
{
    // Walk the longer length so the time does not tell how long a prefix matched.
    const qsizetype n = std::max(a.size(), b.size());
    unsigned char diff = a.size() == b.size() ? 0 : 1;
    for (qsizetype i = 0; i < n; ++i) {
        const auto x = static_cast<unsigned char>(i < a.size() ? a[i] : 0);
        const auto y = static_cast<unsigned char>(i < b.size() ? b[i] : 0);
        diff = static_cast<unsigned char>(diff | (x ^ y));
    }
    return diff == 0;
}

QString Audience::onlineEndpoint(const QString &endpointId)
{
    return QStringLiteral("urn:cerulean:onlineEndpoint:") + resourceKey(endpointId);
}

Json publicView(const Json &doc)
{
    Json out = doc;
    if (out.is_object())
        out.erase("_local");
    return out;
}

std::optional<Json> parseJsonBody(const QByteArray &body, ApiResponse *error)
{
    if (const auto at = serving::jsonTooDeep(std::string_view(body.constData(), static_cast<std::size_t>(body.size())))) {
        // The words of Azure's own answer (its JSON reader's MaxDepth).
        if (error)
            *error = ApiResponse::armError(
                400, QStringLiteral("InvalidRequestContent"),
                QStringLiteral("The request content was invalid and could not be deserialized: 'The reader's MaxDepth of "
                               "%1 has been exceeded. Position %2.'")
                    .arg(serving::kMaxJsonDepth)
                    .arg(*at));
        return std::nullopt;
    }
    Json j = Json::parse(body.constData(), body.constData() + body.size(), nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
        if (error)
            *error = ApiResponse::armError(
                400, QStringLiteral("InvalidRequestContent"),
                j.is_discarded() ? QStringLiteral("The request content was invalid and could not be deserialized: "
                                                  "the body is not valid JSON.")
                                 : QStringLiteral("The request content was invalid: the body must be a JSON object."));
        return std::nullopt;
    }
    return j;
}

namespace arm {

QString jsonStr(const Json &obj, const char *key, const QString &path, const QString &fallback)
{
    if (!obj.is_object() || !obj.contains(key) || obj[key].is_null())
        return fallback;
    if (!obj[key].is_string())
        throw Failure{400, QStringLiteral("InvalidRequestContent"),
                      QStringLiteral("'%1' must be a string.").arg(path)};
    return QString::fromStdString(obj[key].get<std::string>());
}

std::optional<qint64> jsonInt(const Json &obj, const char *key, const QString &path)
{
    if (!obj.is_object() || !obj.contains(key) || obj[key].is_null())
        return std::nullopt;
    if (!obj[key].is_number_integer())
        throw Failure{400, QStringLiteral("InvalidRequestContent"),
                      QStringLiteral("'%1' must be an integer.").arg(path)};
    return obj[key].get<qint64>();
}

std::optional<bool> jsonBool(const Json &obj, const char *key, const QString &path)
{
    if (!obj.is_object() || !obj.contains(key) || obj[key].is_null())
        return std::nullopt;
    if (!obj[key].is_boolean())
        throw Failure{400, QStringLiteral("InvalidRequestContent"),
                      QStringLiteral("'%1' must be true or false.").arg(path)};
    return obj[key].get<bool>();
}

Json jsonObj(const Json &obj, const char *key, const QString &path)
{
    if (!obj.is_object() || !obj.contains(key) || obj[key].is_null())
        return Json::object();
    if (!obj[key].is_object())
        throw Failure{400, QStringLiteral("InvalidRequestContent"),
                      QStringLiteral("'%1' must be a JSON object.").arg(path)};
    return obj[key];
}

Failure notFound(const QString &what, const QString &name)
{
    return Failure{404, QStringLiteral("ResourceNotFound"),
                   QStringLiteral("The %1 '%2' was not found.").arg(what, name)};
}

} // namespace arm

// ---------------------------------------------------------------------------------------
LocalService::LocalService(ServiceOptions options) : m_options(std::move(options))
{
    m_store = std::make_unique<Store>(m_options.root);
}

LocalService::~LocalService() { shutdown(); }

bool LocalService::open(QString *error)
{
    if (!m_store->open(error))
        return false;
    // Identity of this root, made once and shared by every process that opens it.
    m_subscriptionId = m_store->settingOrInsert(QStringLiteral("subscriptionId"), newGuid());
    m_principal.tenantId = m_store->settingOrInsert(QStringLiteral("tenantId"), newGuid());
    m_principal.clientId = m_store->settingOrInsert(QStringLiteral("principal.clientId"), newGuid());
    // The built-in principal's secret is made anew by every process that serves this root and
    // lives only in its memory: the store keeps its hash (which process made it is of no
    // matter to a check against memory), never the secret. The GUI's in-process service hands
    // it to its credential; `cerulean-cli local-service` puts it in the keychain for the CLI.
    // A secret kept in plain text by an older build is removed.
    m_principal.clientSecret = randomSecret(30);
    m_principalSecretHash = QCryptographicHash::hash(m_principal.clientSecret.toUtf8(), QCryptographicHash::Sha256);
    m_store->removeSetting(QStringLiteral("principal.secret"));
    m_store->setSetting(QStringLiteral("principal.secretHash"), sha256Hex(m_principal.clientSecret));
    // Bodies a crashed process was still receiving.
    QDir(uploadsDir()).removeRecursively();
    QDir().mkpath(uploadsDir());
    m_scheduler = std::make_unique<Scheduler>(*this, m_options.scheduler);
    if (m_options.startWorkers) {
        m_deployments = std::make_unique<DeploymentHost>(*this);
        m_pipelines = std::make_unique<PipelineRunner>(*this);
        m_runner = std::make_unique<JobRunner>(*this);
        m_runner->recoverOrphans();
        m_runner->start();
        m_deployments->restoreAll();
        m_scheduler->start();
    }
    return true;
}

void LocalService::shutdown()
{
    if (m_scheduler)
        m_scheduler->stop();
    // Pipelines first: they cancel their running steps, which the job runner ends.
    if (m_pipelines)
        m_pipelines->stop();
    if (m_runner)
        m_runner->stop();
    if (m_deployments)
        m_deployments->stopAll();
    m_runner.reset();
    m_pipelines.reset();
    m_deployments.reset();
}

void LocalService::wakeJobs()
{
    if (m_runner)
        m_runner->wake();
}

qint64 LocalService::nowMs() const
{
    if (m_options.clock)
        return std::chrono::duration_cast<std::chrono::milliseconds>(m_options.clock().time_since_epoch()).count();
    return Store::nowMs();
}

ApiResponse LocalService::internalRequest(const QByteArray &method, const QString &path, const Json &body)
{
    // The token a client would hold for this route: batch endpoint invocations take the
    // ML audience, everything else the service asks of itself is ARM.
    const QString audience =
        path.startsWith(QLatin1String("/batch/")) ? Audience::machineLearning() : Audience::management();
    QString token;
    {
        std::lock_guard lock(m_tokenMutex);
        const qint64 now = Store::nowMs();
        InternalToken &cached = m_internalTokens[audience];
        if (cached.token.isEmpty() || now > cached.expiryMs - 60000) {
            cached.token = issueToken(audience);
            cached.expiryMs = now + std::chrono::duration_cast<std::chrono::milliseconds>(m_options.tokenLifetime).count();
        }
        token = cached.token;
    }
    const QString target = path + (path.contains(QLatin1Char('?')) ? QStringLiteral("&") : QStringLiteral("?")) +
                           QStringLiteral("api-version=2025-12-01");
    return handle(makeRequest(method, target, body.is_null() ? QByteArray() : QByteArray::fromStdString(body.dump()),
                              {{"Authorization", "Bearer " + token.toLatin1()}}));
}

std::optional<QString> LocalService::resolveModelPath(const QString &workspaceId, const QString &referenceIn,
                                                      QString *error) const
{
    const auto fail = [&](const QString &message) -> std::optional<QString> {
        if (error)
            *error = message;
        return std::nullopt;
    };
    QString uri = referenceIn.trimmed();
    if (uri.isEmpty())
        return fail(QStringLiteral("no model was given."));
    if (uri.startsWith(QLatin1String("azureml:")) && !uri.startsWith(QLatin1String("azureml://"))) {
        const QString rest = uri.mid(8);
        const QString name = rest.section(QLatin1Char(':'), 0, 0);
        QString version = rest.section(QLatin1Char(':'), 1);
        if (version.isEmpty() || version == QLatin1String("latest") || name.contains(QLatin1Char('@'))) {
            const auto container = m_store->resource(workspaceId + QStringLiteral("/models/") + name.section(QLatin1Char('@'), 0, 0));
            if (!container)
                return fail(QStringLiteral("the model '%1' was not found.").arg(name));
            version = QString::fromStdString(container->doc["properties"].value("latestVersion", std::string("1")));
        }
        uri = workspaceId + QStringLiteral("/models/") + name.section(QLatin1Char('@'), 0, 0) + QStringLiteral("/versions/") + version;
    }
    if (uri.startsWith(QLatin1String("/subscriptions/"), Qt::CaseInsensitive)) {
        const auto model = m_store->resource(uri);
        if (!model || !model->kind.endsWith(QLatin1String("models/versions")))
            return fail(QStringLiteral("the model version '%1' was not found.").arg(uri.section(QLatin1Char('/'), -3)));
        uri = QString::fromStdString(model->doc["properties"].value("modelUri", std::string()));
    }
    static const QRegularExpression jobOutput(QStringLiteral("^azureml://(?:.*/)?jobs/([^/]+)/outputs/([^/]+)(?:/(.*))?$"));
    static const QRegularExpression runsUri(QStringLiteral("^runs:/([^/]+)/(.*)$"));
    QString path;
    if (const auto m = jobOutput.match(uri); m.hasMatch()) {
        const auto job = m_store->resource(workspaceId + QStringLiteral("/jobs/") + m.captured(1));
        if (!job)
            return fail(QStringLiteral("the model's job '%1' was not found.").arg(m.captured(1)));
        const Json local = job->doc.value("_local", Json::object());
        const QString run = QString::fromStdString(local.value("bestChildRunId", std::string()));
        if (m.captured(2) == QLatin1String("best_model")) {
            if (run.isEmpty())
                return fail(QStringLiteral("job '%1' has no best model (did it complete?).").arg(m.captured(1)));
            path = m_store->artifactsDir() + QLatin1Char('/') + run + QStringLiteral("/outputs/model");
        } else {
            path = m_store->artifactsDir() + QLatin1Char('/') + m.captured(1) + QStringLiteral("/outputs/") + m.captured(2);
        }
        if (!m.captured(3).isEmpty())
            path += QLatin1Char('/') + m.captured(3);
    } else if (const auto r = runsUri.match(uri); r.hasMatch()) {
        path = m_store->artifactsDir() + QLatin1Char('/') + r.captured(1) + QLatin1Char('/') + r.captured(2);
    } else if ((uri.startsWith(QLatin1Char('/')) || uri.startsWith(QLatin1String("file://"))) &&
               QFileInfo(uri.startsWith(QLatin1Char('/')) ? uri : QUrl(uri).toLocalFile()).isDir()) {
        path = uri.startsWith(QLatin1Char('/')) ? uri : QUrl(uri).toLocalFile(); // a model package folder on this machine
    } else {
        const auto data = resolveDataPath(workspaceId, uri, error);
        if (!data)
            return std::nullopt;
        path = *data;
    }
    if (path.contains(QLatin1String("/../")) || !QFileInfo::exists(path))
        return fail(QStringLiteral("the model files of '%1' were not found at %2.").arg(uri, path));
    return path;
}

QString LocalService::runScheduleAction(const QString &workspaceId, const QString &scheduleName, const Json &action,
                                        const QDateTime &scheduled, const QString &jobName, QString *error)
{
    const auto fail = [&](const QString &message) {
        if (error)
            *error = message;
        return QString();
    };
    const auto messageOf = [](const ApiResponse &r) {
        const Json e = r.json();
        return e.is_object() && e.contains("error") && e["error"].is_object()
                   ? QString::fromStdString(e["error"].value("message", std::string()))
                   : QString::fromUtf8(r.body);
    };
    const QString type = QString::fromStdString(action.value("actionType", std::string()));
    const QString stamp = scheduled.toUTC().toString(QStringLiteral("yyyyMMddHHmmss"));
    if (type == QLatin1String("CreateJob")) {
        Json definition = action.value("jobDefinition", Json::object());
        if (!definition.is_object() || definition.empty())
            return fail(QStringLiteral("the schedule's action has no jobDefinition."));
        if (definition.contains("properties") && definition["properties"].is_object() && definition.contains("jobType") == false &&
            definition["properties"].contains("jobType"))
            definition = definition["properties"]; // a whole job body rather than its properties
        if (!definition["properties"].is_object())
            definition["properties"] = Json::object();
        definition["properties"]["azureml.schedule.name"] = scheduleName.toStdString();
        definition["properties"]["azureml.schedule.scheduledTime"] = isoFromMs(scheduled.toMSecsSinceEpoch()).toStdString();
        QString name = jobName;
        if (name.isEmpty()) {
            name = scheduleName + QLatin1Char('-') + stamp;
            for (int n = 2; m_store->resource(workspaceId + QStringLiteral("/jobs/") + name); ++n)
                name = scheduleName + QLatin1Char('-') + stamp + QLatin1Char('-') + QString::number(n);
        } else if (const auto made = m_store->resource(workspaceId + QStringLiteral("/jobs/") + name)) {
            // Fired before a crash kept it from being recorded: not again.
            const Json bag = made->doc["properties"].value("properties", Json::object());
            if (bag.value("azureml.schedule.name", std::string()) == scheduleName.toStdString())
                return name;
            return fail(QStringLiteral("a job named %1 exists already and was not started by this schedule.").arg(name));
        }
        const ApiResponse r = internalRequest("PUT", workspaceId + QStringLiteral("/jobs/") + name, Json{{"properties", definition}});
        if (r.status >= 300)
            return fail(messageOf(r));
        return name;
    }
    if (type == QLatin1String("InvokeBatchEndpoint")) {
        const Json definition = action.value("endpointInvocationDefinition", Json::object());
        QString endpoint = QString::fromStdString(definition.is_object() ? definition.value("endpointName", std::string()) : std::string());
        if (endpoint.isEmpty())
            return fail(QStringLiteral("the schedule's endpointInvocationDefinition names no endpointName."));
        Json body = definition.value("body", Json::object());
        if (!body.is_object() || body.empty())
            return fail(QStringLiteral("the schedule's endpointInvocationDefinition has no invocation body."));
        const QString endpointId = workspaceId + QStringLiteral("/batchEndpoints/") + endpoint;
        if (!jobName.isEmpty() && m_store->resource(workspaceId + QStringLiteral("/jobs/") + jobName))
            return jobName; // fired before a crash kept it from being recorded: not again
        ApiResponse r;
        try {
            r = handleBatchInvoke(makeRequest("POST", QStringLiteral("/batch") + endpointId + QStringLiteral("/jobs"),
                                              QByteArray::fromStdString(body.dump()), {}),
                                  endpointId, jobName);
        } catch (const arm::Failure &f) {
            return fail(f.message);
        } catch (const std::exception &e) {
            return fail(QString::fromUtf8(e.what()));
        }
        if (r.status >= 300)
            return fail(messageOf(r));
        return QString::fromStdString(r.json().value("name", std::string()));
    }
    return fail(QStringLiteral("the action type '%1' is not supported.").arg(type));
}

void LocalService::setBaseUrl(const QUrl &base)
{
    std::lock_guard lock(m_baseMutex);
    m_baseUrl = base;
}

QUrl LocalService::baseUrl() const
{
    std::lock_guard lock(m_baseMutex);
    return m_baseUrl.isEmpty() ? QUrl(QStringLiteral("http://127.0.0.1")) : m_baseUrl;
}

void LocalService::setSecureBaseUrl(const QUrl &base)
{
    std::lock_guard lock(m_baseMutex);
    m_secureBaseUrl = base;
}

QUrl LocalService::secureBaseUrl() const
{
    std::lock_guard lock(m_baseMutex);
    return m_secureBaseUrl;
}

const QStringList &LocalService::servedHostNames()
{
    // Loopback by name and by address. A name the service hands out in a link (such as an
    // {account}.blob.localhost storage host) must be added here, and only here.
    static const QStringList names{QStringLiteral("127.0.0.1"), QStringLiteral("localhost"), QStringLiteral("[::1]")};
    return names;
}

namespace {

// The host name of a Host header value, without its port.
QByteArray hostNameOf(const QByteArray &host, QByteArray *port = nullptr)
{
    const qsizetype colon = host.lastIndexOf(':');
    if (colon >= 0 && colon > host.lastIndexOf(']')) {
        if (port)
            *port = host.mid(colon + 1);
        return host.left(colon);
    }
    return host;
}

} // namespace

std::optional<QString> LocalService::blobHostAccount(const QByteArray &host)
{
    // Any name of a storage account's shape (3 to 24 lower-case letters and digits): which
    // accounts exist changes as workspaces are made, and the blob routes answer an unknown
    // one with Azure's 404. ".localhost" is reserved for loopback (RFC 6761), so no other
    // site can own such a name and rebind it here.
    static const QRegularExpression shape(QStringLiteral("^([a-z0-9]{3,24})\\.blob\\.localhost$"));
    const auto m = shape.match(QString::fromLatin1(hostNameOf(host)).toLower());
    if (!m.hasMatch())
        return std::nullopt;
    return m.captured(1);
}

bool LocalService::servedHost(const QByteArray &host, bool secure) const
{
    if (host.isEmpty())
        return true;
    QByteArray port;
    const QByteArray name = hostNameOf(host, &port);
    bool known = blobHostAccount(host).has_value();
    for (const QString &served : servedHostNames())
        known = known || QString::fromLatin1(name).compare(served, Qt::CaseInsensitive) == 0;
    if (!known)
        return false;
    const int ours = secure ? secureBaseUrl().port() : baseUrl().port();
    if (ours <= 0)
        return true; // in process, before a port is bound
    bool ok = false;
    constexpr int kHttpPort = 80;
    constexpr int kHttpsPort = 443;
    const int asked = port.isEmpty() ? (secure ? kHttpsPort : kHttpPort) : port.toInt(&ok);
    return (port.isEmpty() || ok) && asked == ours;
}

ApiResponse LocalService::misdirectedResponse(const QByteArray &host, bool secure) const
{
    constexpr qsizetype kShownHostChars = 100;
    const int port = secure ? secureBaseUrl().port() : baseUrl().port();
    QStringList served;
    for (const QString &name : servedHostNames() + QStringList{QStringLiteral("{account}.blob.localhost")})
        served << (port > 0 ? QStringLiteral("%1:%2").arg(name).arg(port) : name);
    return ApiResponse::armError(421, QStringLiteral("MisdirectedRequest"),
                                 QStringLiteral("The Host '%1' is not served here: the local workspace answers only %2.")
                                     .arg(QString::fromLatin1(host.left(kShownHostChars)), served.join(QStringLiteral(", "))));
}

QString LocalService::pathStyle(const ApiRequest &request)
{
    if (const auto account = blobHostAccount(request.header("Host")))
        return QStringLiteral("/blob/") + *account + request.path;
    return request.path;
}

QString LocalService::uploadsDir() const { return m_store->blobsDir() + QStringLiteral("/.uploads"); }

namespace {

// The services behind the routes, as far as tokens go: which audiences each accepts.
enum class Surface
{
    Open,        // token endpoints and the sign-in page: no token
    Arm,         // Azure Resource Manager
    MlDataPlane, // the workspace's data plane (MLflow, published pipelines): ARM or ML tokens
    MlInference, // batch endpoint invocation: ML tokens only
    Graph,
    Storage,
    AppInsights,
};

// The routes that need no credential, and only these: Entra's token and device code
// endpoints, and the sign-in page where the user approves a device code with the built-in
// principal's secret (a secret, not a token, is what it checks).
bool openRoute(const QStringList &seg)
{
    if (seg.size() == 4 && seg[1] == QLatin1String("oauth2") && seg[2] == QLatin1String("v2.0") &&
        (seg[3] == QLatin1String("token") || seg[3] == QLatin1String("devicecode")))
        return true;
    return seg.size() == 1 && seg[0] == QLatin1String("devicelogin");
}

Surface surfaceOf(const QStringList &seg)
{
    if (openRoute(seg))
        return Surface::Open;
    const QString first = seg.value(0);
    if (first == QLatin1String("blob"))
        return Surface::Storage;
    if (first == QLatin1String("graph"))
        return Surface::Graph;
    if (first == QLatin1String("appinsights"))
        return Surface::AppInsights;
    if (first == QLatin1String("mlflow") || first == QLatin1String("pipelines"))
        return Surface::MlDataPlane;
    if (first == QLatin1String("batch"))
        return Surface::MlInference;
    return Surface::Arm; // ARM, and the 404 of an unknown route, are answered to ARM tokens only
}

QStringList acceptedAudiences(Surface surface)
{
    switch (surface) {
    case Surface::Open:
        return {};
    case Surface::Arm:
        return {Audience::managementClassic(), Audience::management()};
    case Surface::MlDataPlane:
        return {Audience::managementClassic(), Audience::management(), Audience::machineLearning()};
    case Surface::MlInference:
        return {Audience::machineLearning()};
    case Surface::Graph:
        return {Audience::graph()};
    case Surface::Storage:
        return {Audience::storage()};
    case Surface::AppInsights:
        return {Audience::appInsights()};
    }
    return {};
}

} // namespace

RequestAdmission LocalService::admit(const ApiRequest &head) const
{
    RequestAdmission a;
    const QByteArray host = head.header("Host");
    if (!servedHost(host, head.secure)) {
        a.reject = misdirectedResponse(host, head.secure);
        return a;
    }
    const QString path = pathStyle(head);
    const QStringList seg = path.split(QLatin1Char('/'), Qt::SkipEmptyParts);
    if (!seg.isEmpty() && seg[0] == QLatin1String("blob")) {
        if (auto denied = blobAccessDenied(head, path.mid(5))) {
            a.reject = std::move(*denied);
            return a;
        }
        // Put Blob and Put Block carry data: to disk, not memory. The rest is XML or nothing.
        const QString comp = head.queryValue(QStringLiteral("comp"));
        if (head.method == "PUT" && (comp.isEmpty() || comp == QLatin1String("block")) && seg.size() > 3) {
            static std::atomic<quint64> uploads{0};
            a.maxBodyBytes = kMaxBlobBodyBytes;
            a.bodyFile = uploadsDir() + QLatin1Char('/') + newGuid() + QLatin1Char('-') + QString::number(++uploads);
        }
        a.tooLarge.status = 413;
        a.tooLarge.setHeader("Content-Type", "application/xml");
        a.tooLarge.setHeader("x-ms-error-code", "RequestBodyTooLarge");
        a.tooLarge.body = QStringLiteral("<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>RequestBodyTooLarge</Code>"
                                         "<Message>The request body is too large and exceeds the maximum permissible limit."
                                         "</Message><MaxLimit>%1</MaxLimit></Error>")
                              .arg(a.maxBodyBytes)
                              .toUtf8();
        return a;
    }
    // The routes open to anyone take a small form at most (a device code, a user code and the
    // principal's secret, an assertion): nothing bigger is read without a credential.
    if (openRoute(seg))
        a.maxBodyBytes = kMaxSignInBodyBytes;
    a.tooLarge = ApiResponse::armError(413, QStringLiteral("RequestEntityTooLarge"),
                                       QStringLiteral("The request content size exceeds the maximum allowed size of %1 bytes.")
                                           .arg(a.maxBodyBytes));
    // What a client reads before it can have a token (as on Azure, without one): GETs of a
    // few fixed documents, with no body to speak of.
    if (isDiscoveryRequest(head)) {
        a.maxBodyBytes = kMaxDiscoveryBodyBytes;
        a.tooLarge = ApiResponse::armError(413, QStringLiteral("RequestEntityTooLarge"),
                                           QStringLiteral("A discovery request has no body."));
        return a;
    }
    if (!seg.isEmpty())
        a.reject = credentialRefusal(head);
    return a;
}

QString LocalService::linkBase(const ApiRequest &request) const
{
    const QByteArray host = request.header("Host");
    if (!host.isEmpty() && servedHost(host, request.secure))
        return (request.secure ? QStringLiteral("https://") : QStringLiteral("http://")) + QString::fromLatin1(host);
    QString b = (request.secure ? secureBaseUrl() : baseUrl()).toString();
    while (b.endsWith(QLatin1Char('/')))
        b.chop(1);
    return b;
}

QString LocalService::issueToken(const QString &audience)
{
    const QString token = randomSecret(32);
    m_store->addToken(token, audience, std::chrono::system_clock::now() + m_options.tokenLifetime);
    return token;
}


std::optional<ApiResponse> LocalService::credentialRefusal(const ApiRequest &request) const
{
    if (isDiscoveryRequest(request))
        return std::nullopt; // public documents, as on Azure (bounded in admit)
    const QStringList seg = request.path.split(QLatin1Char('/'), Qt::SkipEmptyParts);
    const Surface surface = surfaceOf(seg);
    if (surface == Surface::Open)
        return std::nullopt;
    if (surface == Surface::Storage)
        return blobAccessDenied(request, request.path.mid(5));
    const QByteArray auth = request.header("Authorization");
    const bool bearer = auth.size() > 7 && auth.left(7).compare("Bearer ", Qt::CaseInsensitive) == 0;
    const std::optional<QString> audience =
        bearer ? m_store->tokenAudience(QString::fromLatin1(auth.mid(7).trimmed())) : std::nullopt;
    const QStringList accepted = acceptedAudiences(surface);
    if (audience && accepted.contains(*audience))
        return std::nullopt;

    if (surface == Surface::Graph) {
        // Microsoft Graph's own shape: InvalidAuthenticationToken, whatever was wrong.
        ApiResponse r = ApiResponse::fromJson(
            401, Json{{"error",
                       {{"code", "InvalidAuthenticationToken"},
                        {"message", auth.isEmpty() ? "Access token is empty."
                                    : audience     ? "Access token validation failure. Invalid audience."
                                                   : "Access token validation failure."},
                        {"innerError", {{"date", isoNow().toStdString()}, {"request-id", newGuid().toStdString()}}}}}});
        r.setHeader("WWW-Authenticate",
                    QStringLiteral("Bearer realm=\"\", authorization_uri=\"%1/%2/oauth2/v2.0/authorize\", client_id=\"%3\"")
                        .arg(linkBase(request), tenantId(), Audience::graph())
                        .toLatin1());
        return r;
    }
    // ARM's answers (the ML services answer in the same shape).
    QString code, message;
    if (auth.isEmpty()) {
        code = QStringLiteral("AuthenticationFailed");
        message = QStringLiteral("Authentication failed. The 'Authorization' header is missing.");
    } else if (!audience) {
        code = QStringLiteral("InvalidAuthenticationToken");
        message = QStringLiteral("The access token is invalid or has expired.");
    } else {
        QStringList allowed;
        for (const QString &a : accepted)
            allowed << QStringLiteral("'%1/'").arg(a) << QStringLiteral("'%1'").arg(a);
        code = QStringLiteral("InvalidAuthenticationTokenAudience");
        message = QStringLiteral("The access token has been obtained for wrong audience or resource '%1'. It should exactly "
                                 "match with one of the allowed audiences %2.")
                      .arg(*audience, allowed.join(QLatin1Char(',')));
    }
    ApiResponse r = ApiResponse::armError(401, code, message);
    QString challenge = QStringLiteral("Bearer authorization_uri=\"%1/%2/oauth2/v2.0/authorize\", error=\"invalid_token\"")
                            .arg(linkBase(request), tenantId());
    if (!auth.isEmpty())
        challenge += QStringLiteral(", error_description=\"%1\"").arg(QString(message).replace(QLatin1Char('"'), QLatin1Char('\'')));
    r.setHeader("WWW-Authenticate", challenge.toLatin1());
    return r;
}

bool LocalService::scoringTokenValid(const QString &endpointId, const QString &authMode, const QString &token) const
{
    if (token.isEmpty())
        return false;
    const bool aml = authMode == QLatin1String("AMLToken");
    const bool aad = authMode == QLatin1String("AADToken");
    if (!aml && !aad)
        return false; // Key endpoints take their keys, never tokens
    const std::optional<QString> audience = m_store->tokenAudience(token);
    if (!audience)
        return false;
    // The endpoint's own token (…/token) scores it in either mode; an Entra token for
    // https://ml.azure.com scores AADToken endpoints only.
    return *audience == Audience::onlineEndpoint(endpointId) || (aad && *audience == Audience::machineLearning());
}

ApiResponse LocalService::handle(const ApiRequest &request)
{
    ApiResponse response;
    try {
        const QByteArray host = request.header("Host");
        if (!servedHost(host, request.secure)) {
            response = misdirectedResponse(host, request.secure);
        } else if (blobHostAccount(host)) {
            ApiRequest asPath = request;
            asPath.path = pathStyle(request);
            response = dispatch(asPath);
        } else {
            response = dispatch(request);
        }
    } catch (const arm::Failure &f) {
        response = ApiResponse::armError(f.status, f.code, f.message);
    } catch (const Json::exception &e) {
        // A body of the wrong shape that slipped past the typed readers is still the
        // caller's error, never ours.
        response = ApiResponse::armError(400, QStringLiteral("InvalidRequestContent"),
                                         QStringLiteral("The request content was invalid: %1")
                                             .arg(QString::fromUtf8(e.what())));
    } catch (const std::exception &e) {
        response = ApiResponse::armError(500, QStringLiteral("InternalServerError"), QString::fromUtf8(e.what()));
    }
    const QByteArray requestId = request.header("x-ms-client-request-id");
    response.setHeader("x-ms-request-id", newGuid().toLatin1());
    if (!requestId.isEmpty())
        response.setHeader("x-ms-client-request-id", requestId);
    return response;
}

ApiResponse LocalService::dispatch(const ApiRequest &request)
{
    const QStringList seg = request.path.split(QLatin1Char('/'), Qt::SkipEmptyParts);
    if (seg.isEmpty())
        return ApiResponse::armError(404, QStringLiteral("NotFound"), QStringLiteral("No route for '/'."));

    if (auto refused = credentialRefusal(request))
        return std::move(*refused);
    // Token endpoints and the sign-in page need no token.
    if (seg.size() == 4 && seg[1] == QLatin1String("oauth2") && seg[2] == QLatin1String("v2.0") &&
        (seg[3] == QLatin1String("token") || seg[3] == QLatin1String("devicecode"))) {
        if (request.method != "POST")
            return ApiResponse::armError(405, QStringLiteral("MethodNotAllowed"),
                                         QStringLiteral("The token endpoint accepts POST only."));
        return seg[3] == QLatin1String("devicecode") ? handleDeviceCode(request, seg[0])
                                                      : handleToken(request, seg[0]);
    }
    if (seg.size() == 1 && seg[0] == QLatin1String("devicelogin"))
        return handleDeviceLogin(request);
    if (seg[0] == QLatin1String("blob"))
        return handleBlob(request, request.path.mid(5)); // admitted above: token or Shared Key
    if (isDiscoveryRequest(request))
        return handleDiscovery(request); // public, as on Azure

    if (seg[0] == QLatin1String("pipelines") && seg.size() >= 2 && seg[1] == QLatin1String("v1.0"))
        return handlePipelineEndpoints(request, request.path.mid(request.path.indexOf(QLatin1String("/v1.0")) + 5));
    if (seg[0] == QLatin1String("batch") && seg.size() > 2 && seg.last() == QLatin1String("jobs"))
        return handleBatchInvoke(request, request.path.mid(6, request.path.size() - 6 - 5));
    if (seg[0] == QLatin1String("graph") && seg.size() >= 2 && seg[1] == QLatin1String("v1.0"))
        return handleGraph(request, QStringList(seg.mid(2)).join(QLatin1Char('/')));
    if (seg[0] == QLatin1String("appinsights")) {
        if (seg.size() == 5 && seg[1] == QLatin1String("v1") && seg[2] == QLatin1String("apps") &&
            seg[4] == QLatin1String("query"))
            return handleAppInsights(request, seg[3]);
        return ApiResponse::armError(404, QStringLiteral("PathNotFoundError"),
                                     QStringLiteral("The requested path does not exist"));
    }
    if (seg[0] == QLatin1String("mlflow")) {
        const qsizetype at = request.path.indexOf(QLatin1String("/api/2.0/mlflow/"));
        if (at >= 0)
            return handleMlflow(request, request.path.mid(at + 16));
        const qsizetype artifact = request.path.indexOf(QLatin1String("/get-artifact"));
        if (artifact >= 0)
            return handleMlflow(request, QStringLiteral("get-artifact"));
        return ApiResponse::fromJson(404, Json{{"error_code", "ENDPOINT_NOT_FOUND"},
                                               {"message", "No MLflow route for this path."}});
    }
    if (seg[0].compare(QLatin1String("subscriptions"), Qt::CaseInsensitive) == 0)
        return handleArm(request);
    return ApiResponse::armError(404, QStringLiteral("NotFound"),
                                 QStringLiteral("No route for '%1'.").arg(request.path));
}

QString LocalService::appInsightsAppId(const QString &workspaceId) const
{
    const auto ws = m_store->resource(workspaceId);
    if (!ws)
        return {};
    const QString component =
        QString::fromStdString(ws->doc["properties"].value("applicationInsights", std::string()));
    const auto c = m_store->resource(component);
    if (!c)
        return {};
    return QString::fromStdString(c->doc["properties"].value("AppId", std::string()));
}

std::optional<QString> LocalService::resolveDataPath(const QString &workspaceId, const QString &uriIn,
                                                     QString *error, bool folder) const
{
    QString uri = uriIn.trimmed();
    auto fail = [&](const QString &message) -> std::optional<QString> {
        if (error)
            *error = message;
        return std::nullopt;
    };
    for (int hops = 0; hops < 4; ++hops) {
        // azureml:name:version / azureml:name@latest -> the data version's dataUri.
        if (uri.startsWith(QLatin1String("azureml:")) && !uri.startsWith(QLatin1String("azureml://"))) {
            QString rest = uri.mid(8);
            QString name = rest, version;
            if (rest.contains(QLatin1Char('@'))) {
                name = rest.section(QLatin1Char('@'), 0, 0);
            } else if (rest.contains(QLatin1Char(':'))) {
                name = rest.section(QLatin1Char(':'), 0, 0);
                version = rest.section(QLatin1Char(':'), 1);
            }
            uri = workspaceId + QStringLiteral("/data/") + name +
                  (version.isEmpty() ? QString() : QStringLiteral("/versions/") + version);
        }
        if (uri.startsWith(QLatin1String("/subscriptions/"), Qt::CaseInsensitive) &&
            uri.contains(QLatin1String("/data/"), Qt::CaseInsensitive)) {
            QString versionId = uri;
            if (!uri.contains(QLatin1String("/versions/"), Qt::CaseInsensitive)) {
                const auto container = m_store->resource(uri);
                if (!container)
                    return fail(QStringLiteral("The data asset '%1' was not found.").arg(uri.section(QLatin1Char('/'), -1)));
                versionId = uri + QStringLiteral("/versions/") +
                            QString::fromStdString(container->doc["properties"].value("latestVersion", std::string("1")));
            }
            const auto v = m_store->resource(versionId);
            if (!v)
                return fail(QStringLiteral("The data asset version '%1' was not found.").arg(versionId));
            uri = QString::fromStdString(v->doc["properties"].value("dataUri", std::string()));
            continue;
        }
        break;
    }
    QString path;
    static const QRegularExpression datastorePath(QStringLiteral("^azureml://(?:.*/)?datastores/([^/]+)/paths/(.+)$"));
    static const QRegularExpression blobUrl(QStringLiteral("^https?://[^/]+/blob/([^/]+)/([^/]+)/(.+)$"));
    static const QRegularExpression azureBlobUrl(
        QStringLiteral("^https?://([^./]+)\\.blob\\.[^/]+/([^/]+)/(.+)$"));
    if (const auto m = datastorePath.match(uri); m.hasMatch()) {
        const auto ds = m_store->resource(workspaceId + QStringLiteral("/datastores/") + m.captured(1));
        if (!ds)
            return fail(QStringLiteral("The datastore '%1' was not found.").arg(m.captured(1)));
        const Json &p = ds->doc["properties"];
        path = m_store->blobsDir() + QLatin1Char('/') + QString::fromStdString(p.value("accountName", std::string())) +
               QLatin1Char('/') + QString::fromStdString(p.value("containerName", std::string())) +
               QLatin1Char('/') + m.captured(2);
    } else if (const auto b = blobUrl.match(uri); b.hasMatch()) {
        path = m_store->blobsDir() + QLatin1Char('/') + b.captured(1) + QLatin1Char('/') + b.captured(2) +
               QLatin1Char('/') + b.captured(3);
    } else if (const auto a = azureBlobUrl.match(uri); a.hasMatch()) {
        path = m_store->blobsDir() + QLatin1Char('/') + a.captured(1) + QLatin1Char('/') + a.captured(2) +
               QLatin1Char('/') + a.captured(3);
    } else if (uri.startsWith(QLatin1String("file://"))) {
        path = QUrl(uri).toLocalFile();
    } else if (uri.startsWith(QLatin1Char('/'))) {
        path = uri;
    } else {
        return fail(QStringLiteral("The data reference '%1' is not a data asset, datastore path or blob URL.").arg(uriIn));
    }
    if (path.contains(QLatin1String("/../")) || path.endsWith(QLatin1String("/..")))
        return fail(QStringLiteral("The data path '%1' leaves its datastore.").arg(uriIn));
    QFileInfo info(path);
    if (folder && info.isDir())
        return info.absoluteFilePath();
    if (info.isDir() || info.fileName() == QLatin1String("MLTable")) {
        // An MLTable: its first "file:" path, relative to the folder.
        const QString dir = info.isDir() ? info.absoluteFilePath() : info.absolutePath();
        QFile mltable(dir + QStringLiteral("/MLTable"));
        if (!mltable.open(QIODevice::ReadOnly))
            return fail(QStringLiteral("The folder '%1' has no MLTable file.").arg(uriIn));
        const QStringList lines = QString::fromUtf8(mltable.readAll()).split(QLatin1Char('\n'));
        for (QString line : lines) {
            line = line.trimmed();
            if (line.startsWith(QLatin1String("- file:")) || line.startsWith(QLatin1String("file:"))) {
                QString file = line.section(QLatin1Char(':'), 1).trimmed();
                file.remove(QLatin1Char('"'));
                file.remove(QLatin1Char('\''));
                if (file.startsWith(QLatin1String("./")))
                    file = file.mid(2);
                path = dir + QLatin1Char('/') + file;
                break;
            }
        }
        info = QFileInfo(path);
    }
    if (!info.isFile())
        return fail(QStringLiteral("The data '%1' was not found (no file at its location).").arg(uriIn));
    return info.absoluteFilePath();
}

} // namespace cerulean::local
