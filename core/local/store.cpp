#include "core/local/store.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QDir>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QThread>
#include <QVariant>

#include <algorithm>
#include <atomic>

namespace cerulean::local {

namespace {

std::atomic<quint64> g_nextSerial{1};

// Connections are per thread (a QSqlDatabase may only be used by the thread that made
// it); this list removes the thread's connections when the thread ends.
struct ThreadConnections
{
    QStringList names;
    ~ThreadConnections()
    {
        for (const QString &name : names)
            QSqlDatabase::removeDatabase(name);
    }
};
thread_local ThreadConnections t_connections;

// The stores (by serial) with a transaction open on this thread: their calls join it.
thread_local std::vector<quint64> t_transactions;

// Schema migrations, index i brings user_version i to i + 1. Never edit a shipped entry:
// append a new one.
const std::vector<std::vector<const char *>> &migrations()
{
    static const std::vector<std::vector<const char *>> list{
        {
            "CREATE TABLE resources(key TEXT PRIMARY KEY, id TEXT NOT NULL, kind TEXT NOT NULL,"
            " parent TEXT NOT NULL, name TEXT NOT NULL, state TEXT NOT NULL DEFAULT '',"
            " created INTEGER NOT NULL, doc TEXT NOT NULL)",
            "CREATE INDEX resources_parent ON resources(parent, kind, created)",
            "CREATE INDEX resources_kind_state ON resources(kind, state)",
            "CREATE TABLE settings(key TEXT PRIMARY KEY, value TEXT NOT NULL)",
            "CREATE TABLE tokens(hash TEXT PRIMARY KEY, expires INTEGER NOT NULL)",
            "CREATE TABLE experiments(id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE NOT NULL,"
            " created INTEGER NOT NULL)",
            "CREATE TABLE runs(run_id TEXT PRIMARY KEY, experiment_id TEXT NOT NULL,"
            " parent_run_id TEXT NOT NULL, job_id TEXT NOT NULL, status TEXT NOT NULL,"
            " start_time INTEGER NOT NULL, end_time INTEGER NOT NULL, tags TEXT NOT NULL,"
            " params TEXT NOT NULL)",
            "CREATE INDEX runs_parent ON runs(parent_run_id)",
            "CREATE TABLE metrics(run_id TEXT NOT NULL, key TEXT NOT NULL, value REAL NOT NULL,"
            " step INTEGER NOT NULL, ts INTEGER NOT NULL)",
            "CREATE INDEX metrics_run ON metrics(run_id, key, step)",
            "CREATE TABLE telemetry(seq INTEGER PRIMARY KEY AUTOINCREMENT, app_id TEXT NOT NULL,"
            " tbl TEXT NOT NULL, ts INTEGER NOT NULL, columns TEXT NOT NULL)",
            "CREATE INDEX telemetry_app ON telemetry(app_id, tbl, ts)",
        },
        {
            // Every token names the resource it was issued for. Tokens from before carried every
            // right; they are dropped (their holders sign in again). Device codes move out of
            // the settings into a table with their state and expiry; refresh tokens get theirs.
            "DELETE FROM tokens",
            "ALTER TABLE tokens ADD COLUMN audience TEXT NOT NULL DEFAULT ''",
            "DELETE FROM settings WHERE key LIKE 'devicecode.%'",
            "CREATE TABLE device_codes(hash TEXT PRIMARY KEY, user_code TEXT UNIQUE NOT NULL,"
            " client_id TEXT NOT NULL, scope TEXT NOT NULL, state TEXT NOT NULL, created INTEGER NOT NULL,"
            " expires INTEGER NOT NULL)",
            "CREATE INDEX device_codes_expires ON device_codes(expires)",
            "CREATE TABLE refresh_tokens(hash TEXT PRIMARY KEY, client_id TEXT NOT NULL, expires INTEGER NOT NULL)",
        },
    };
    return list;
}

QString toQ(const std::string &s) { return QString::fromStdString(s); }

Json parseOr(const QString &text, Json fallback)
{
    Json j = Json::parse(text.toStdString(), nullptr, false);
    return j.is_discarded() ? fallback : j;
}

QString likePrefix(const QString &prefix)
{
    QString escaped = prefix;
    escaped.replace(QLatin1Char('\\'), QStringLiteral("\\\\"));
    escaped.replace(QLatin1Char('%'), QStringLiteral("\\%"));
    escaped.replace(QLatin1Char('_'), QStringLiteral("\\_"));
    return escaped + QStringLiteral("/%");
}

QString sha256(const QString &text)
{
    return QString::fromLatin1(
        QCryptographicHash::hash(text.toUtf8(), QCryptographicHash::Sha256).toHex());
}

StoredResource readResource(const QSqlQuery &q)
{
    StoredResource r;
    r.id = q.value(0).toString();
    r.kind = q.value(1).toString();
    r.parent = q.value(2).toString();
    r.name = q.value(3).toString();
    r.state = q.value(4).toString();
    r.created = std::chrono::milliseconds(q.value(5).toLongLong());
    r.doc = parseOr(q.value(6).toString(), Json::object());
    return r;
}

const char *kResourceColumns = "id, kind, parent, name, state, created, doc";

RunRecord readRun(const QSqlQuery &q)
{
    RunRecord r;
    r.runId = q.value(0).toString();
    r.experimentId = q.value(1).toString();
    r.parentRunId = q.value(2).toString();
    r.jobId = q.value(3).toString();
    r.status = q.value(4).toString();
    r.startTimeMs = q.value(5).toLongLong();
    r.endTimeMs = q.value(6).toLongLong();
    r.tags = parseOr(q.value(7).toString(), Json::object());
    r.params = parseOr(q.value(8).toString(), Json::object());
    return r;
}

const char *kRunColumns =
    "run_id, experiment_id, parent_run_id, job_id, status, start_time, end_time, tags, params";

} // namespace

QString resourceKey(const QString &id)
{
    QString key = id.toLower();
    while (key.endsWith(QLatin1Char('/')))
        key.chop(1);
    return key;
}

// A scoped handle on this thread's connection plus IMMEDIATE transactions, which take the
// write lock up front so concurrent writers wait (busy_timeout) instead of failing.
class Store::Connection final
{
public:
    explicit Connection(const Store &store) : m_store(store)
    {
        const QString name = store.connectionName();
        if (QSqlDatabase::contains(name)) {
            m_db = QSqlDatabase::database(name, false);
        } else {
            m_db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
            m_db.setDatabaseName(store.databasePath());
            m_db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=15000"));
            t_connections.names.append(name);
        }
        if (!m_db.isOpen()) {
            if (!m_db.open()) {
                store.m_lastError = m_db.lastError().text();
                return;
            }
            QSqlQuery q(m_db);
            q.exec(QStringLiteral("PRAGMA journal_mode=WAL"));
            q.exec(QStringLiteral("PRAGMA synchronous=NORMAL"));
            q.exec(QStringLiteral("PRAGMA busy_timeout=15000"));
        }
    }
    ~Connection()
    {
        if (m_inTransaction)
            rollback();
    }
    bool ok() const { return m_db.isOpen(); }
    QSqlDatabase &db() { return m_db; }

    bool begin()
    {
        if (std::find(t_transactions.begin(), t_transactions.end(), m_store.m_serial) != t_transactions.end()) {
            m_nested = true; // part of Store::transaction(): it commits or rolls back
            return true;
        }
        QSqlQuery q(m_db);
        m_inTransaction = q.exec(QStringLiteral("BEGIN IMMEDIATE"));
        if (!m_inTransaction)
            m_store.m_lastError = q.lastError().text();
        return m_inTransaction;
    }
    bool commit()
    {
        if (m_nested)
            return true;
        QSqlQuery q(m_db);
        const bool ok = q.exec(QStringLiteral("COMMIT"));
        if (!ok) {
            m_store.m_lastError = q.lastError().text();
            rollback();
        }
        m_inTransaction = false;
        return ok;
    }
    void rollback()
    {
        if (m_nested)
            return;
        QSqlQuery q(m_db);
        q.exec(QStringLiteral("ROLLBACK"));
        m_inTransaction = false;
    }

    // Prepares and runs a statement with positional bindings.
    bool exec(QSqlQuery &q, const QString &sql, const QVariantList &bindings)
    {
        q = QSqlQuery(m_db);
        if (!q.prepare(sql)) {
            m_store.m_lastError = q.lastError().text();
            return false;
        }
        for (const QVariant &v : bindings) {
            // A null QString binds as SQL NULL; our text columns are NOT NULL with "" for none.
            if (v.typeId() == QMetaType::QString && v.toString().isNull())
                q.addBindValue(QStringLiteral(""));
            else
                q.addBindValue(v);
        }
        if (!q.exec()) {
            m_store.m_lastError = q.lastError().text();
            return false;
        }
        return true;
    }

private:
    const Store &m_store;
    QSqlDatabase m_db;
    bool m_inTransaction = false;
    bool m_nested = false;
};

Store::Store(QString root) : m_root(std::move(root)), m_serial(g_nextSerial++) {}

Store::~Store()
{
    const QString name = connectionName();
    if (QSqlDatabase::contains(name)) {
        {
            QSqlDatabase db = QSqlDatabase::database(name, false);
            db.close();
        }
        QSqlDatabase::removeDatabase(name);
        t_connections.names.removeAll(name);
    }
}

QString Store::connectionName() const
{
    return QStringLiteral("cerulean-local-%1-%2")
        .arg(m_serial)
        .arg(reinterpret_cast<quintptr>(QThread::currentThreadId()));
}

QString Store::databasePath() const { return m_root + QStringLiteral("/workspace.sqlite"); }
QString Store::artifactsDir() const { return m_root + QStringLiteral("/artifacts"); }
QString Store::blobsDir() const { return m_root + QStringLiteral("/blobs"); }
QString Store::lastError() const { return m_lastError; }

qint64 Store::nowMs() { return QDateTime::currentMSecsSinceEpoch(); }

bool Store::open(QString *error)
{
    QDir dir;
    for (const QString &path : {m_root, artifactsDir(), blobsDir()}) {
        if (!dir.mkpath(path)) {
            if (error)
                *error = QStringLiteral("cannot create directory %1").arg(path);
            return false;
        }
    }
    QFile::setPermissions(m_root, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    return ensureSchema(error);
}

bool Store::ensureSchema(QString *error)
{
    Connection c(*this);
    if (!c.ok()) {
        if (error)
            *error = QStringLiteral("cannot open %1: %2").arg(databasePath(), m_lastError);
        return false;
    }
    if (!c.begin()) {
        if (error)
            *error = QStringLiteral("cannot lock %1: %2").arg(databasePath(), m_lastError);
        return false;
    }
    QSqlQuery q(c.db());
    q.exec(QStringLiteral("PRAGMA user_version"));
    const int version = q.next() ? q.value(0).toInt() : 0;
    const int known = static_cast<int>(migrations().size());
    if (version > known) {
        if (error)
            *error = QStringLiteral("%1 has schema version %2, newer than this build supports (%3)")
                         .arg(databasePath())
                         .arg(version)
                         .arg(known);
        return false;
    }
    for (int v = version; v < known; ++v) {
        for (const char *sql : migrations()[static_cast<size_t>(v)]) {
            if (!q.exec(QString::fromUtf8(sql))) {
                if (error)
                    *error = QStringLiteral("schema migration %1 failed: %2")
                                 .arg(v + 1)
                                 .arg(q.lastError().text());
                return false;
            }
        }
    }
    if (version != known)
        q.exec(QStringLiteral("PRAGMA user_version=%1").arg(known));
    if (!c.commit()) {
        if (error)
            *error = m_lastError;
        return false;
    }
    QFile::setPermissions(databasePath(), QFile::ReadOwner | QFile::WriteOwner);
    return true;
}

bool Store::transaction(const std::function<bool()> &work)
{
    Connection c(*this);
    if (!c.ok() || !c.begin())
        return false;
    const bool outer = std::find(t_transactions.begin(), t_transactions.end(), m_serial) == t_transactions.end();
    if (outer)
        t_transactions.push_back(m_serial);
    const auto leave = [&] {
        if (outer)
            t_transactions.erase(std::find(t_transactions.begin(), t_transactions.end(), m_serial));
    };
    bool ok = false;
    try {
        ok = work();
    } catch (...) {
        leave();
        c.rollback();
        throw;
    }
    leave();
    if (!ok) {
        c.rollback();
        return false;
    }
    return c.commit();
}

std::optional<StoredResource> Store::resource(const QString &id) const
{
    Connection c(*this);
    QSqlQuery q;
    if (!c.ok() ||
        !c.exec(q, QStringLiteral("SELECT %1 FROM resources WHERE key = ?").arg(QLatin1String(kResourceColumns)),
                {resourceKey(id)}) ||
        !q.next())
        return std::nullopt;
    return readResource(q);
}

bool Store::putResource(const StoredResource &r)
{
    Connection c(*this);
    QSqlQuery q;
    const qint64 created = r.created.count() > 0 ? r.created.count() : nowMs();
    return c.ok() &&
           c.exec(q,
                  QStringLiteral("INSERT INTO resources(key, id, kind, parent, name, state, created, doc)"
                                 " VALUES(?,?,?,?,?,?,?,?) ON CONFLICT(key) DO UPDATE SET id=excluded.id,"
                                 " kind=excluded.kind, parent=excluded.parent, name=excluded.name,"
                                 " state=excluded.state, doc=excluded.doc"),
                  {resourceKey(r.id), r.id, r.kind, resourceKey(r.parent), r.name, r.state, created,
                   toQ(r.doc.dump())});
}

bool Store::updateResource(const QString &id, const std::function<bool(StoredResource &)> &change)
{
    Connection c(*this);
    if (!c.ok() || !c.begin())
        return false;
    QSqlQuery q;
    if (!c.exec(q, QStringLiteral("SELECT %1 FROM resources WHERE key = ?").arg(QLatin1String(kResourceColumns)),
                {resourceKey(id)}) ||
        !q.next())
        return false;
    StoredResource r = readResource(q);
    q.finish();
    if (!change(r))
        return true;
    if (!c.exec(q, QStringLiteral("UPDATE resources SET state = ?, doc = ? WHERE key = ?"),
                {r.state, toQ(r.doc.dump()), resourceKey(id)}))
        return false;
    return c.commit();
}

bool Store::deleteResource(const QString &id)
{
    Connection c(*this);
    QSqlQuery q;
    const QString key = resourceKey(id);
    return c.ok() && c.exec(q, QStringLiteral("DELETE FROM resources WHERE key = ? OR key LIKE ? ESCAPE '\\'"),
                            {key, likePrefix(key)});
}

std::vector<StoredResource> Store::children(const QString &parent, const QString &kind, int skip,
                                            int limit) const
{
    std::vector<StoredResource> out;
    Connection c(*this);
    QSqlQuery q;
    if (!c.ok() ||
        !c.exec(q,
                QStringLiteral("SELECT %1 FROM resources WHERE parent = ? AND kind = ?"
                               " ORDER BY created, key LIMIT ? OFFSET ?")
                    .arg(QLatin1String(kResourceColumns)),
                {resourceKey(parent), kind, limit, skip}))
        return out;
    while (q.next())
        out.push_back(readResource(q));
    return out;
}

int Store::countChildren(const QString &parent, const QString &kind) const
{
    Connection c(*this);
    QSqlQuery q;
    if (!c.ok() || !c.exec(q, QStringLiteral("SELECT COUNT(*) FROM resources WHERE parent = ? AND kind = ?"),
                           {resourceKey(parent), kind}) ||
        !q.next())
        return 0;
    return q.value(0).toInt();
}

std::vector<StoredResource> Store::byKindAndState(const QString &kind, const QStringList &states) const
{
    std::vector<StoredResource> out;
    Connection c(*this);
    QSqlQuery q;
    if (!c.ok() || !c.exec(q,
                           QStringLiteral("SELECT %1 FROM resources WHERE kind = ? ORDER BY created, key")
                               .arg(QLatin1String(kResourceColumns)),
                           {kind}))
        return out;
    while (q.next()) {
        StoredResource r = readResource(q);
        if (states.isEmpty() || states.contains(r.state))
            out.push_back(std::move(r));
    }
    return out;
}

std::optional<QString> Store::setting(const QString &key) const
{
    Connection c(*this);
    QSqlQuery q;
    if (!c.ok() || !c.exec(q, QStringLiteral("SELECT value FROM settings WHERE key = ?"), {key}) || !q.next())
        return std::nullopt;
    return q.value(0).toString();
}

bool Store::setSetting(const QString &key, const QString &value)
{
    Connection c(*this);
    QSqlQuery q;
    return c.ok() && c.exec(q, QStringLiteral("INSERT OR REPLACE INTO settings(key, value) VALUES(?, ?)"),
                            {key, value});
}

bool Store::removeSetting(const QString &key)
{
    Connection c(*this);
    QSqlQuery q;
    return c.ok() && c.exec(q, QStringLiteral("DELETE FROM settings WHERE key = ?"), {key});
}

QString Store::settingOrInsert(const QString &key, const QString &value)
{
    Connection c(*this);
    QSqlQuery q;
    if (!c.ok())
        return value;
    c.exec(q, QStringLiteral("INSERT OR IGNORE INTO settings(key, value) VALUES(?, ?)"), {key, value});
    if (c.exec(q, QStringLiteral("SELECT value FROM settings WHERE key = ?"), {key}) && q.next())
        return q.value(0).toString();
    return value;
}

bool Store::addToken(const QString &token, const QString &audience, std::chrono::system_clock::time_point expiry)
{
    Connection c(*this);
    QSqlQuery q;
    const qint64 expiresMs =
        std::chrono::duration_cast<std::chrono::milliseconds>(expiry.time_since_epoch()).count();
    if (!c.ok())
        return false;
    c.exec(q, QStringLiteral("DELETE FROM tokens WHERE expires < ?"), {nowMs()});
    return c.exec(q, QStringLiteral("INSERT OR REPLACE INTO tokens(hash, expires, audience) VALUES(?, ?, ?)"),
                  {sha256(token), expiresMs, audience});
}

std::optional<QString> Store::tokenAudience(const QString &token) const
{
    Connection c(*this);
    QSqlQuery q;
    if (!c.ok() || !c.exec(q, QStringLiteral("SELECT audience, expires FROM tokens WHERE hash = ?"), {sha256(token)}) ||
        !q.next() || q.value(1).toLongLong() <= nowMs())
        return std::nullopt;
    return q.value(0).toString();
}

bool Store::addRefreshToken(const QString &token, const QString &clientId, std::chrono::system_clock::time_point expiry)
{
    Connection c(*this);
    QSqlQuery q;
    if (!c.ok())
        return false;
    c.exec(q, QStringLiteral("DELETE FROM refresh_tokens WHERE expires < ?"), {nowMs()});
    const qint64 expiresMs = std::chrono::duration_cast<std::chrono::milliseconds>(expiry.time_since_epoch()).count();
    return c.exec(q, QStringLiteral("INSERT OR REPLACE INTO refresh_tokens(hash, client_id, expires) VALUES(?, ?, ?)"),
                  {sha256(token), clientId, expiresMs});
}

std::optional<QString> Store::takeRefreshToken(const QString &token)
{
    Connection c(*this);
    if (!c.ok() || !c.begin())
        return std::nullopt;
    QSqlQuery q;
    const QString hash = sha256(token);
    if (!c.exec(q, QStringLiteral("SELECT client_id, expires FROM refresh_tokens WHERE hash = ?"), {hash}) || !q.next())
        return std::nullopt;
    const QString clientId = q.value(0).toString();
    const bool live = q.value(1).toLongLong() > nowMs();
    q.finish();
    if (!c.exec(q, QStringLiteral("DELETE FROM refresh_tokens WHERE hash = ?"), {hash}) || !c.commit())
        return std::nullopt;
    if (!live)
        return std::nullopt;
    return clientId;
}

namespace {

DeviceCode readDeviceCode(const QSqlQuery &q)
{
    DeviceCode d;
    d.userCode = q.value(0).toString();
    d.clientId = q.value(1).toString();
    d.scope = q.value(2).toString();
    const QString state = q.value(3).toString();
    d.state = state == QLatin1String("approved") ? DeviceCode::State::Approved
              : state == QLatin1String("denied") ? DeviceCode::State::Denied
              : state == QLatin1String("redeemed") ? DeviceCode::State::Redeemed
                                                    : DeviceCode::State::Pending;
    d.createdMs = q.value(4).toLongLong();
    d.expiresMs = q.value(5).toLongLong();
    return d;
}

const char *deviceCodeStateName(DeviceCode::State state)
{
    switch (state) {
    case DeviceCode::State::Pending: return "pending";
    case DeviceCode::State::Approved: return "approved";
    case DeviceCode::State::Denied: return "denied";
    case DeviceCode::State::Redeemed: return "redeemed";
    }
    return "pending";
}

const char *kDeviceCodeColumns = "user_code, client_id, scope, state, created, expires";

} // namespace

Store::AddDeviceCode Store::addDeviceCode(const QString &deviceCode, const DeviceCode &code, int maxLive)
{
    Connection c(*this);
    if (!c.ok() || !c.begin())
        return AddDeviceCode::Failed;
    QSqlQuery q;
    // Expired codes go first, so the bound counts only codes that can still be used.
    if (!c.exec(q, QStringLiteral("DELETE FROM device_codes WHERE expires <= ?"), {nowMs()}) ||
        !c.exec(q, QStringLiteral("SELECT COUNT(*) FROM device_codes"), {}) || !q.next())
        return AddDeviceCode::Failed;
    if (q.value(0).toInt() >= maxLive)
        return AddDeviceCode::Full;
    q.finish();
    if (!c.exec(q, QStringLiteral("SELECT 1 FROM device_codes WHERE user_code = ?"), {code.userCode}))
        return AddDeviceCode::Failed;
    if (q.next())
        return AddDeviceCode::UserCodeTaken;
    q.finish();
    if (!c.exec(q, QStringLiteral("INSERT INTO device_codes(hash, user_code, client_id, scope, state, created, expires)"
                                  " VALUES(?,?,?,?,?,?,?)"),
                {sha256(deviceCode), code.userCode, code.clientId, code.scope, QString::fromLatin1(deviceCodeStateName(code.state)),
                 code.createdMs, code.expiresMs}))
        return AddDeviceCode::Failed;
    return c.commit() ? AddDeviceCode::Added : AddDeviceCode::Failed;
}

std::optional<DeviceCode> Store::deviceCode(const QString &deviceCode) const
{
    Connection c(*this);
    QSqlQuery q;
    if (!c.ok() ||
        !c.exec(q, QStringLiteral("SELECT %1 FROM device_codes WHERE hash = ? AND expires > ?").arg(QLatin1String(kDeviceCodeColumns)),
                {sha256(deviceCode), nowMs()}) ||
        !q.next())
        return std::nullopt;
    return readDeviceCode(q);
}

std::optional<DeviceCode> Store::deviceCodeByUserCode(const QString &userCode) const
{
    Connection c(*this);
    QSqlQuery q;
    if (!c.ok() ||
        !c.exec(q, QStringLiteral("SELECT %1 FROM device_codes WHERE user_code = ? AND expires > ?").arg(QLatin1String(kDeviceCodeColumns)),
                {userCode, nowMs()}) ||
        !q.next())
        return std::nullopt;
    return readDeviceCode(q);
}

bool Store::decideDeviceCode(const QString &userCode, bool approve)
{
    Connection c(*this);
    QSqlQuery q;
    // Only a pending, unexpired code changes: a decision is made once.
    return c.ok() &&
           c.exec(q, QStringLiteral("UPDATE device_codes SET state = ? WHERE user_code = ? AND state = 'pending' AND expires > ?"),
                  {QString::fromLatin1(approve ? "approved" : "denied"), userCode, nowMs()}) &&
           q.numRowsAffected() == 1;
}

bool Store::redeemDeviceCode(const QString &deviceCode)
{
    Connection c(*this);
    QSqlQuery q;
    return c.ok() &&
           c.exec(q, QStringLiteral("UPDATE device_codes SET state = 'redeemed' WHERE hash = ? AND state = 'approved' AND expires > ?"),
                  {sha256(deviceCode), nowMs()}) &&
           q.numRowsAffected() == 1;
}

int Store::deviceCodeCount() const
{
    Connection c(*this);
    QSqlQuery q;
    if (!c.ok() || !c.exec(q, QStringLiteral("SELECT COUNT(*) FROM device_codes"), {}) || !q.next())
        return -1;
    return q.value(0).toInt();
}

QString Store::experimentId(const QString &name, bool create)
{
    Connection c(*this);
    QSqlQuery q;
    if (!c.ok())
        return {};
    if (create)
        c.exec(q, QStringLiteral("INSERT OR IGNORE INTO experiments(name, created) VALUES(?, ?)"),
               {name, nowMs()});
    if (c.exec(q, QStringLiteral("SELECT id FROM experiments WHERE name = ?"), {name}) && q.next())
        return q.value(0).toString();
    return {};
}

std::optional<QString> Store::experimentName(const QString &experimentId) const
{
    Connection c(*this);
    QSqlQuery q;
    if (!c.ok() || !c.exec(q, QStringLiteral("SELECT name FROM experiments WHERE id = ?"), {experimentId}) ||
        !q.next())
        return std::nullopt;
    return q.value(0).toString();
}

std::vector<std::pair<QString, QString>> Store::experiments() const
{
    std::vector<std::pair<QString, QString>> out;
    Connection c(*this);
    QSqlQuery q;
    if (c.ok() && c.exec(q, QStringLiteral("SELECT id, name FROM experiments ORDER BY id"), {}))
        while (q.next())
            out.emplace_back(q.value(0).toString(), q.value(1).toString());
    return out;
}

bool Store::putRun(const RunRecord &r)
{
    Connection c(*this);
    QSqlQuery q;
    return c.ok() &&
           c.exec(q,
                  QStringLiteral("INSERT OR REPLACE INTO runs(%1) VALUES(?,?,?,?,?,?,?,?,?)")
                      .arg(QLatin1String(kRunColumns)),
                  {r.runId, r.experimentId, r.parentRunId, r.jobId, r.status, r.startTimeMs, r.endTimeMs,
                   toQ(r.tags.dump()), toQ(r.params.dump())});
}

std::optional<RunRecord> Store::run(const QString &runId) const
{
    Connection c(*this);
    QSqlQuery q;
    if (!c.ok() ||
        !c.exec(q, QStringLiteral("SELECT %1 FROM runs WHERE run_id = ?").arg(QLatin1String(kRunColumns)),
                {runId}) ||
        !q.next())
        return std::nullopt;
    return readRun(q);
}

bool Store::updateRun(const QString &runId, const std::function<void(RunRecord &)> &change)
{
    Connection c(*this);
    if (!c.ok() || !c.begin())
        return false;
    QSqlQuery q;
    if (!c.exec(q, QStringLiteral("SELECT %1 FROM runs WHERE run_id = ?").arg(QLatin1String(kRunColumns)),
                {runId}) ||
        !q.next())
        return false;
    RunRecord r = readRun(q);
    q.finish();
    change(r);
    if (!c.exec(q,
                QStringLiteral("UPDATE runs SET status = ?, end_time = ?, tags = ?, params = ? WHERE run_id = ?"),
                {r.status, r.endTimeMs, toQ(r.tags.dump()), toQ(r.params.dump()), runId}))
        return false;
    return c.commit();
}

std::vector<RunRecord> Store::runs(const QStringList &experimentIds, const QString &parentRunId,
                                   const QString &status) const
{
    std::vector<RunRecord> out;
    Connection c(*this);
    QSqlQuery q;
    if (!c.ok() ||
        !c.exec(q, QStringLiteral("SELECT %1 FROM runs ORDER BY start_time, run_id").arg(QLatin1String(kRunColumns)),
                {}))
        return out;
    while (q.next()) {
        RunRecord r = readRun(q);
        if (!experimentIds.isEmpty() && !experimentIds.contains(r.experimentId))
            continue;
        if (!parentRunId.isNull() && r.parentRunId != parentRunId)
            continue;
        if (!status.isEmpty() && r.status != status)
            continue;
        out.push_back(std::move(r));
    }
    return out;
}

bool Store::logMetric(const QString &runId, const MetricPoint &p)
{
    Connection c(*this);
    QSqlQuery q;
    return c.ok() && c.exec(q, QStringLiteral("INSERT INTO metrics(run_id, key, value, step, ts) VALUES(?,?,?,?,?)"),
                            {runId, p.key, p.value, p.step, p.timestampMs});
}

std::vector<MetricPoint> Store::metricHistory(const QString &runId, const QString &key) const
{
    std::vector<MetricPoint> out;
    Connection c(*this);
    QSqlQuery q;
    if (c.ok() && c.exec(q,
                         QStringLiteral("SELECT key, value, step, ts FROM metrics WHERE run_id = ? AND key = ?"
                                        " ORDER BY step, ts, rowid"),
                         {runId, key}))
        while (q.next())
            out.push_back({q.value(0).toString(), q.value(1).toDouble(), q.value(2).toLongLong(),
                           q.value(3).toLongLong()});
    return out;
}

std::vector<MetricPoint> Store::latestMetrics(const QString &runId) const
{
    std::vector<MetricPoint> out;
    Connection c(*this);
    QSqlQuery q;
    // The last value logged for each key (highest step, then latest write).
    if (c.ok() && c.exec(q,
                         QStringLiteral("SELECT key, value, step, ts FROM metrics m WHERE run_id = ? AND rowid ="
                                        " (SELECT rowid FROM metrics WHERE run_id = m.run_id AND key = m.key"
                                        "  ORDER BY step DESC, ts DESC, rowid DESC LIMIT 1) ORDER BY key"),
                         {runId}))
        while (q.next())
            out.push_back({q.value(0).toString(), q.value(1).toDouble(), q.value(2).toLongLong(),
                           q.value(3).toLongLong()});
    return out;
}

bool Store::addTelemetry(const std::vector<TelemetryItem> &items)
{
    if (items.empty())
        return true;
    Connection c(*this);
    if (!c.ok() || !c.begin())
        return false;
    QSqlQuery q;
    for (const TelemetryItem &item : items)
        if (!c.exec(q, QStringLiteral("INSERT INTO telemetry(app_id, tbl, ts, columns) VALUES(?,?,?,?)"),
                    {item.appId, item.table, item.timestampMs, toQ(item.columns.dump())}))
            return false;
    return c.commit();
}

std::vector<TelemetryItem> Store::telemetry(const QString &appId, const QString &table, qint64 sinceMs) const
{
    std::vector<TelemetryItem> out;
    Connection c(*this);
    QSqlQuery q;
    if (c.ok() && c.exec(q,
                         QStringLiteral("SELECT ts, columns FROM telemetry WHERE app_id = ? AND tbl = ? AND ts >= ?"
                                        " ORDER BY ts, seq"),
                         {appId, table, sinceMs}))
        while (q.next())
            out.push_back({appId, table, q.value(0).toLongLong(), parseOr(q.value(1).toString(), Json::object())});
    return out;
}

} // namespace cerulean::local
