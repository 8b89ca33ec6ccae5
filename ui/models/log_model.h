#pragma once

#include <QAbstractTableModel>
#include <QDateTime>

#include <optional>
#include <QList>
#include <QSet>
#include <QSortFilterProxyModel>

namespace cerulean::azure {
struct QueryTable;
} // namespace cerulean::azure

namespace cerulean::ui {

// Where a line of the Logs step comes from.
enum class LogSource
{
    Container, // the inference server's container log (getLogs)
    Request,   // Application Insights `requests`
    Trace,     // Application Insights `traces`
};

enum class LogLevel
{
    Debug,
    Info,
    Warning,
    Error,
};

QString toString(LogSource source);
QString toString(LogLevel level);
// "WARNING", "warn", "Error", … ; Info when the word is not a level.
LogLevel logLevelFromText(const QString &text);

struct LogEntry
{
    QDateTime time; // UTC
    LogSource source = LogSource::Container;
    LogLevel level = LogLevel::Info;
    QString message;
    // Identifies the entry across polls (a container line's text, a request's id), so a line
    // read again in the next tail, or a trace repeating a container line, appears once.
    QString key;
};

// Container log content ("2026-01-01 12:00:00,123 | INFO | message" per line) as entries; a
// line without a time stamp continues the previous one's time.
QList<LogEntry> parseContainerLog(const QString &content);
// Rows of `requests | project timestamp, id, name, resultCode, duration` (any column order).
QList<LogEntry> entriesFromRequests(const azure::QueryTable &table);
// Rows of `traces | project timestamp, message, severityLevel`.
QList<LogEntry> entriesFromTraces(const azure::QueryTable &table);

// Container lines, requests and traces merged by time, oldest first; entries seen before are
// skipped. Capped at maxEntries (the oldest go first).
class LogModel final : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column
    {
        Time,
        Source,
        Level,
        Message,
        ColumnCount,
    };
    static constexpr int kLevelRole = Qt::UserRole + 1;  // int(LogLevel)
    static constexpr int kSourceRole = Qt::UserRole + 2; // int(LogSource)

    explicit LogModel(QObject *parent = nullptr, int maxEntries = 20'000);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // Returns how many entries were new.
    int addEntries(QList<LogEntry> entries);
    void clear();
    const LogEntry &entry(int row) const { return m_entries.at(row); }
    int count(LogSource source) const;

private:
    void trim();

    QList<LogEntry> m_entries;
    QSet<QString> m_keys;
    int m_maxEntries;
};

// The Logs step's level filter (this level and above) and search (case-insensitive, in the message).
class LogFilterModel final : public QSortFilterProxyModel
{
    Q_OBJECT

public:
    explicit LogFilterModel(QObject *parent = nullptr);

    void setMinimumLevel(LogLevel level);
    LogLevel minimumLevel() const { return m_minimumLevel; }
    void setSearchText(const QString &text);
    QString searchText() const { return m_search; }

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    LogLevel m_minimumLevel = LogLevel::Debug;
    QString m_search;
};

// Requests per minute with their mean and 95th percentile duration, from
// `summarize count(), avg(duration), percentile(duration, 95) by bin(timestamp, 1m)`.
// Minute counts from the first bin, for the charts' x axis.
class RequestRateModel final : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column
    {
        Minute,
        Time,
        Requests,
        MeanMs,
        P95Ms,
        ColumnCount,
    };

    explicit RequestRateModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // False with *error when the table lacks the columns.
    bool setTable(const azure::QueryTable &table, QString *error = nullptr);
    // The bins from `from` on replaced by the table's (an invalid `from`: all of them); the
    // model changes only where a bin did.
    bool mergeTable(const azure::QueryTable &table, const QDateTime &from, QString *error = nullptr);
    // Drops the bins before `time` (those that left the window).
    void dropBefore(const QDateTime &time);
    void clear();
    qint64 totalRequests() const;

private:
    struct Bin
    {
        QDateTime time;
        qint64 requests = 0;
        double meanMs = 0;
        double p95Ms = 0;
        bool operator==(const Bin &) const = default;
    };
    std::optional<QList<Bin>> readBins(const azure::QueryTable &table, QString *error) const;
    QList<Bin> m_bins;
};

} // namespace cerulean::ui
