#pragma once

#include <QString>

#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <vector>

namespace cerulean::local {

using Json = nlohmann::json;

// One stored ARM-shaped resource: the JSON document plus the columns we query on.
struct StoredResource
{
    QString id;     // ARM id as first written (keys compare case-insensitively, as ARM does)
    QString kind;   // "workspaces", "computes", "jobs", "onlineEndpoints/deployments", ...
    QString parent; // ARM id of the parent resource ("" for top level)
    QString name;
    QString state;  // provisioningState or job status
    std::chrono::milliseconds created{0};
    Json doc;
};

struct MetricPoint
{
    QString key;
    double value = 0;
    qint64 step = 0;
    qint64 timestampMs = 0;
};

// An MLflow run (a job's parent run or one of its trials).
struct RunRecord
{
    QString runId;
    QString experimentId;
    QString parentRunId;
    QString jobId; // ARM id of the job this run belongs to
    QString status = QStringLiteral("RUNNING"); // MLflow RunStatus
    qint64 startTimeMs = 0;
    qint64 endTimeMs = 0;
    Json tags = Json::object();
    Json params = Json::object();
};

// One telemetry item (a row of requests, traces or exceptions) for the query API.
struct TelemetryItem
{
    QString appId;
    QString table; // "requests", "traces", "exceptions"
    qint64 timestampMs = 0;
    Json columns = Json::object(); // column name -> value, timestamp excluded
};

// A device authorization (the OAuth 2 device code grant) while it waits for the user, who
// approves or denies it by its user code; the device code itself is stored only as a hash.
struct DeviceCode
{
    enum class State { Pending, Approved, Denied, Redeemed };
    QString userCode;
    QString clientId;
    QString scope; // as the device asked for it
    State state = State::Pending;
    qint64 createdMs = 0;
    qint64 expiresMs = 0;
};

// The local workspace's persistent state under one root directory: a SQLite database
// (WAL, one connection per thread, IMMEDIATE transactions so several processes can share
// one root) and artifact / blob files beside it. Thread-safe.
class Store final
{
public:
    explicit Store(QString root);
    ~Store();
    Store(const Store &) = delete;
    Store &operator=(const Store &) = delete;

    // Creates the directories and the schema (migrating older databases). False with a
    // message when the root is unusable.
    bool open(QString *error);
    QString root() const { return m_root; }
    QString databasePath() const;
    QString artifactsDir() const; // per-run artifact files: <dir>/<runId>/<path>
    QString blobsDir() const;     // default datastore: <dir>/<account>/<container>/<blob>
    QString lastError() const;

    // Runs `work` as one transaction: every call this thread makes on the store inside it
    // commits together when `work` returns true, or not at all (false, an exception, a crash).
    // Nested calls join the outer transaction. Holds the database's write lock meanwhile: keep
    // `work` short and free of waits on other threads that use the store.
    bool transaction(const std::function<bool()> &work);

    // --- resources ---------------------------------------------------------------
    std::optional<StoredResource> resource(const QString &id) const;
    bool putResource(const StoredResource &resource);
    // Atomic read-modify-write across threads and processes. The callback returns false
    // to leave the resource unchanged. False when the resource is missing.
    bool updateResource(const QString &id, const std::function<bool(StoredResource &)> &change);
    // Deletes the resource and everything under it (its id as a path prefix).
    bool deleteResource(const QString &id);
    std::vector<StoredResource> children(const QString &parent, const QString &kind, int skip = 0,
                                         int limit = -1) const;
    std::vector<StoredResource> byKindAndState(const QString &kind, const QStringList &states) const;
    int countChildren(const QString &parent, const QString &kind) const;

    // --- settings (key/value, e.g. the built-in principal) ------------------------
    std::optional<QString> setting(const QString &key) const;
    bool setSetting(const QString &key, const QString &value);
    bool removeSetting(const QString &key);
    // Returns the stored value, or stores and returns `value` if none (atomically).
    QString settingOrInsert(const QString &key, const QString &value);

    // --- access tokens (only their SHA-256 is stored) -----------------------------
    // `audience`: the resource the token was issued for (see LocalService's audiences).
    bool addToken(const QString &token, const QString &audience, std::chrono::system_clock::time_point expiry);
    // The audience of a token that has not expired; nullopt for an unknown or expired one.
    std::optional<QString> tokenAudience(const QString &token) const;
    // Refresh tokens (device code sign-ins) are bound to the client they were issued to and
    // used once: takeRefreshToken removes the token and answers its client while it is valid.
    bool addRefreshToken(const QString &token, const QString &clientId, std::chrono::system_clock::time_point expiry);
    std::optional<QString> takeRefreshToken(const QString &token);

    // --- device codes -------------------------------------------------------------
    enum class AddDeviceCode { Added, Full, UserCodeTaken, Failed };
    // Removes expired codes, then adds this one unless `maxLive` codes are live already.
    AddDeviceCode addDeviceCode(const QString &deviceCode, const DeviceCode &code, int maxLive);
    // A code that has not expired, by its device code or by its user code.
    std::optional<DeviceCode> deviceCode(const QString &deviceCode) const;
    std::optional<DeviceCode> deviceCodeByUserCode(const QString &userCode) const;
    // Pending -> Approved or Denied, once; false when the code is not pending or has expired.
    bool decideDeviceCode(const QString &userCode, bool approve);
    // Approved -> Redeemed, once; false otherwise (not approved, redeemed already, expired).
    bool redeemDeviceCode(const QString &deviceCode);
    // Rows in the device code table, expired ones included until the next add removes them.
    int deviceCodeCount() const;

    // --- MLflow -------------------------------------------------------------------
    QString experimentId(const QString &name, bool create);
    std::optional<QString> experimentName(const QString &experimentId) const;
    std::vector<std::pair<QString, QString>> experiments() const; // (id, name)
    bool putRun(const RunRecord &run);
    std::optional<RunRecord> run(const QString &runId) const;
    bool updateRun(const QString &runId, const std::function<void(RunRecord &)> &change);
    std::vector<RunRecord> runs(const QStringList &experimentIds, const QString &parentRunId,
                                const QString &status) const;
    bool logMetric(const QString &runId, const MetricPoint &point);
    std::vector<MetricPoint> metricHistory(const QString &runId, const QString &key) const;
    std::vector<MetricPoint> latestMetrics(const QString &runId) const;

    // --- telemetry ----------------------------------------------------------------
    bool addTelemetry(const std::vector<TelemetryItem> &items);
    std::vector<TelemetryItem> telemetry(const QString &appId, const QString &table,
                                         qint64 sinceMs) const;

    static qint64 nowMs();

private:
    class Connection;
    QString connectionName() const;
    bool ensureSchema(QString *error);

    QString m_root;
    quint64 m_serial;
    mutable QString m_lastError;
};

// Lowercased form of an ARM id used as the primary key.
QString resourceKey(const QString &id);

} // namespace cerulean::local
