#include "ui/models/log_model.h"

#include "core/azure/resources.h"

#include <QBrush>
#include <QColor>
#include <QRegularExpression>

#include <algorithm>

namespace cerulean::ui {

namespace {

// App Insights timestamps: ISO 8601 with up to 7 fractional digits ("…T12:00:00.1234567Z").
QDateTime parseTimestamp(const QVariant &value)
{
    QString text = value.toString();
    static const QRegularExpression fraction(QStringLiteral("\\.(\\d{3})\\d+"));
    text.replace(fraction, QStringLiteral(".\\1"));
    QDateTime time = QDateTime::fromString(text, Qt::ISODateWithMs);
    if (!time.isValid())
        time = QDateTime::fromString(text, Qt::ISODate);
    return time.toUTC();
}

int columnOf(const azure::QueryTable &table, const QString &name)
{
    return int(table.columnNames.indexOf(name));
}

QVariant cell(const QVariantList &row, int column)
{
    return column >= 0 && column < row.size() ? row.at(column) : QVariant();
}

bool earlier(const LogEntry &a, const LogEntry &b)
{
    return a.time < b.time;
}

QColor levelColor(LogLevel level)
{
    switch (level) {
    case LogLevel::Error:
        return QColor(0xd9, 0x53, 0x4f);
    case LogLevel::Warning:
        return QColor(0xd0, 0x8a, 0x12);
    case LogLevel::Debug:
        return QColor(0x80, 0x80, 0x80);
    case LogLevel::Info:
        break;
    }
    return {};
}

} // namespace

QString toString(LogSource source)
{
    switch (source) {
    case LogSource::Container:
        return LogModel::tr("container");
    case LogSource::Request:
        return LogModel::tr("request");
    case LogSource::Trace:
        return LogModel::tr("trace");
    }
    return {};
}

QString toString(LogLevel level)
{
    switch (level) {
    case LogLevel::Debug:
        return QStringLiteral("DEBUG");
    case LogLevel::Info:
        return QStringLiteral("INFO");
    case LogLevel::Warning:
        return QStringLiteral("WARNING");
    case LogLevel::Error:
        return QStringLiteral("ERROR");
    }
    return {};
}

LogLevel logLevelFromText(const QString &text)
{
    const QString word = text.trimmed().toUpper();
    if (word.startsWith(QLatin1String("ERR")) || word == QLatin1String("CRITICAL") || word == QLatin1String("FATAL"))
        return LogLevel::Error;
    if (word.startsWith(QLatin1String("WARN")))
        return LogLevel::Warning;
    if (word == QLatin1String("DEBUG") || word == QLatin1String("TRACE") || word == QLatin1String("VERBOSE"))
        return LogLevel::Debug;
    return LogLevel::Info;
}

QList<LogEntry> parseContainerLog(const QString &content)
{
    static const QRegularExpression stamped(
        QStringLiteral("^(\\d{4}-\\d{2}-\\d{2}[ T]\\d{2}:\\d{2}:\\d{2}(?:[,.]\\d{1,3})?)\\s*\\|\\s*([A-Za-z]+)\\s*\\|\\s?(.*)$"));
    QList<LogEntry> entries;
    QDateTime last;
    for (const QString &raw : content.split(QLatin1Char('\n'), Qt::SkipEmptyParts)) {
        const QString line = raw.endsWith(QLatin1Char('\r')) ? raw.chopped(1) : raw;
        if (line.trimmed().isEmpty())
            continue;
        LogEntry entry;
        entry.source = LogSource::Container;
        entry.key = line;
        const QRegularExpressionMatch match = stamped.match(line);
        if (match.hasMatch()) {
            QString stamp = match.captured(1);
            stamp.replace(QLatin1Char(','), QLatin1Char('.'));
            stamp.replace(QLatin1Char(' '), QLatin1Char('T'));
            QDateTime time = QDateTime::fromString(stamp, Qt::ISODateWithMs);
            time.setTimeSpec(Qt::UTC);
            entry.time = time;
            entry.level = logLevelFromText(match.captured(2));
            entry.message = match.captured(3);
            last = time;
        } else {
            entry.time = last; // a continuation (stack trace, wrapped message)
            entry.message = line;
            entry.level = logLevelFromText(line.section(QLatin1Char(' '), 0, 0).remove(QLatin1Char(':')));
        }
        entries.append(entry);
    }
    return entries;
}

QList<LogEntry> entriesFromRequests(const azure::QueryTable &table)
{
    const int timestamp = columnOf(table, QStringLiteral("timestamp"));
    const int id = columnOf(table, QStringLiteral("id"));
    const int name = columnOf(table, QStringLiteral("name"));
    const int code = columnOf(table, QStringLiteral("resultCode"));
    const int duration = columnOf(table, QStringLiteral("duration"));
    QList<LogEntry> entries;
    for (const QVariantList &row : table.rows) {
        LogEntry entry;
        entry.source = LogSource::Request;
        entry.time = parseTimestamp(cell(row, timestamp));
        const QString status = cell(row, code).toString();
        const int statusCode = status.toInt();
        entry.level = statusCode >= 500 ? LogLevel::Error : statusCode >= 400 ? LogLevel::Warning : LogLevel::Info;
        entry.message = QStringLiteral("%1 → %2 in %3 ms")
                            .arg(cell(row, name).toString(), status)
                            .arg(cell(row, duration).toDouble(), 0, 'f', 1);
        const QString requestId = cell(row, id).toString();
        entry.key = QStringLiteral("request:") + (requestId.isEmpty() ? entry.time.toString(Qt::ISODateWithMs) + entry.message : requestId);
        entries.append(entry);
    }
    return entries;
}

QList<LogEntry> entriesFromTraces(const azure::QueryTable &table)
{
    const int timestamp = columnOf(table, QStringLiteral("timestamp"));
    const int message = columnOf(table, QStringLiteral("message"));
    const int severity = columnOf(table, QStringLiteral("severityLevel"));
    QList<LogEntry> entries;
    for (const QVariantList &row : table.rows) {
        const QString text = cell(row, message).toString();
        // A trace that is a container line (the local service and Azure's console logging
        // send both) is the same entry; keep the container's level and text.
        const QList<LogEntry> asContainer = parseContainerLog(text);
        LogEntry entry;
        entry.source = LogSource::Trace;
        entry.time = parseTimestamp(cell(row, timestamp));
        entry.key = text;
        if (asContainer.size() == 1 && asContainer.front().time.isValid()) {
            entry.message = asContainer.front().message;
            entry.level = asContainer.front().level;
        } else {
            entry.message = text;
            // severityLevel: 0 verbose, 1 information, 2 warning, 3 error, 4 critical.
            const int level = cell(row, severity).toInt();
            entry.level = level >= 3 ? LogLevel::Error : level == 2 ? LogLevel::Warning : level == 0 ? LogLevel::Debug : LogLevel::Info;
        }
        entries.append(entry);
    }
    return entries;
}

LogModel::LogModel(QObject *parent, int maxEntries)
    : QAbstractTableModel(parent)
    , m_maxEntries(std::max(1, maxEntries))
{
}

int LogModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_entries.size());
}

int LogModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant LogModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const LogEntry &e = m_entries.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case Time:
            return e.time.isValid() ? e.time.toString(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz")) : QString();
        case Source:
            return toString(e.source);
        case Level:
            return toString(e.level);
        case Message:
            return e.message;
        default:
            return {};
        }
    case Qt::EditRole:
        if (index.column() == Time)
            return e.time;
        return data(index, Qt::DisplayRole);
    case Qt::ToolTipRole:
        return index.column() == Message ? e.message : QVariant();
    case Qt::ForegroundRole: {
        const QColor color = levelColor(e.level);
        return color.isValid() ? QVariant(QBrush(color)) : QVariant();
    }
    case kLevelRole:
        return int(e.level);
    case kSourceRole:
        return int(e.source);
    default:
        return {};
    }
}

QVariant LogModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case Time:
        return tr("Time (UTC)");
    case Source:
        return tr("Source");
    case Level:
        return tr("Level");
    case Message:
        return tr("Message");
    default:
        return {};
    }
}

int LogModel::addEntries(QList<LogEntry> entries)
{
    QList<LogEntry> fresh;
    for (LogEntry &entry : entries) {
        if (entry.key.isEmpty())
            entry.key = entry.time.toString(Qt::ISODateWithMs) + entry.message;
        if (m_keys.contains(entry.key))
            continue;
        m_keys.insert(entry.key);
        fresh.append(std::move(entry));
    }
    if (fresh.isEmpty())
        return 0;
    std::stable_sort(fresh.begin(), fresh.end(), earlier);
    const int added = int(fresh.size());
    if (m_entries.isEmpty() || !(fresh.front().time < m_entries.back().time)) {
        // The usual case while following: everything is newer than what is shown.
        const int first = int(m_entries.size());
        beginInsertRows({}, first, first + added - 1);
        m_entries.append(fresh);
        endInsertRows();
    } else {
        // Late arrivals (telemetry is ingested after the container line): each goes to its place in time.
        for (LogEntry &entry : fresh) {
            const auto at = std::upper_bound(m_entries.begin(), m_entries.end(), entry, earlier);
            const int row = int(at - m_entries.begin());
            beginInsertRows({}, row, row);
            m_entries.insert(row, std::move(entry));
            endInsertRows();
        }
    }
    trim();
    return added;
}

void LogModel::trim()
{
    const int excess = int(m_entries.size()) - m_maxEntries;
    if (excess <= 0)
        return;
    beginRemoveRows({}, 0, excess - 1);
    for (int i = 0; i < excess; ++i)
        m_keys.remove(m_entries.at(i).key);
    m_entries.remove(0, excess);
    endRemoveRows();
}

void LogModel::clear()
{
    beginResetModel();
    m_entries.clear();
    m_keys.clear();
    endResetModel();
}

int LogModel::count(LogSource source) const
{
    return int(std::count_if(m_entries.begin(), m_entries.end(), [source](const LogEntry &e) { return e.source == source; }));
}

LogFilterModel::LogFilterModel(QObject *parent)
    : QSortFilterProxyModel(parent)
{
}

void LogFilterModel::setMinimumLevel(LogLevel level)
{
    if (level == m_minimumLevel)
        return;
    m_minimumLevel = level;
    invalidateFilter();
}

void LogFilterModel::setSearchText(const QString &text)
{
    if (text == m_search)
        return;
    m_search = text;
    invalidateFilter();
}

bool LogFilterModel::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    const QAbstractItemModel *model = sourceModel();
    if (!model)
        return false;
    const QModelIndex level = model->index(sourceRow, LogModel::Level, sourceParent);
    if (model->data(level, LogModel::kLevelRole).toInt() < int(m_minimumLevel))
        return false;
    if (m_search.isEmpty())
        return true;
    const QString message = model->data(model->index(sourceRow, LogModel::Message, sourceParent)).toString();
    return message.contains(m_search, Qt::CaseInsensitive);
}

RequestRateModel::RequestRateModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

int RequestRateModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_bins.size());
}

int RequestRateModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant RequestRateModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    if (role != Qt::DisplayRole && role != Qt::EditRole)
        return {};
    const Bin &bin = m_bins.at(index.row());
    const bool display = role == Qt::DisplayRole;
    switch (index.column()) {
    case Minute: {
        const qint64 minutes = m_bins.front().time.secsTo(bin.time) / 60;
        return display ? QVariant(QString::number(minutes)) : QVariant(double(minutes));
    }
    case Time:
        return display ? QVariant(bin.time.toString(QStringLiteral("HH:mm"))) : QVariant(bin.time);
    case Requests:
        return display ? QVariant(QString::number(bin.requests)) : QVariant(double(bin.requests));
    case MeanMs:
        return display ? QVariant(QString::number(bin.meanMs, 'f', 1)) : QVariant(bin.meanMs);
    case P95Ms:
        return display ? QVariant(QString::number(bin.p95Ms, 'f', 1)) : QVariant(bin.p95Ms);
    default:
        return {};
    }
}

QVariant RequestRateModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case Minute:
        return tr("Minute");
    case Time:
        return tr("Time (UTC)");
    case Requests:
        return tr("Requests");
    case MeanMs:
        return tr("Mean (ms)");
    case P95Ms:
        return tr("95th percentile (ms)");
    default:
        return {};
    }
}

std::optional<QList<RequestRateModel::Bin>> RequestRateModel::readBins(const azure::QueryTable &table, QString *error) const
{
    // Column names as App Insights gives them for this summarize.
    const int time = columnOf(table, QStringLiteral("timestamp"));
    const int count = columnOf(table, QStringLiteral("count_"));
    const int mean = columnOf(table, QStringLiteral("avg_duration"));
    const int p95 = columnOf(table, QStringLiteral("percentile_duration_95"));
    if (time < 0 || count < 0 || mean < 0 || p95 < 0) {
        if (error)
            *error = tr("The request summary lacks one of timestamp, count_, avg_duration, percentile_duration_95 "
                        "(it has %1).")
                         .arg(table.columnNames.join(QStringLiteral(", ")));
        return std::nullopt;
    }
    QList<Bin> bins;
    for (const QVariantList &row : table.rows) {
        Bin bin;
        bin.time = parseTimestamp(cell(row, time));
        if (!bin.time.isValid())
            continue;
        bin.requests = cell(row, count).toLongLong();
        bin.meanMs = cell(row, mean).toDouble();
        bin.p95Ms = cell(row, p95).toDouble();
        bins.append(bin);
    }
    std::sort(bins.begin(), bins.end(), [](const Bin &a, const Bin &b) { return a.time < b.time; });
    return bins;
}

bool RequestRateModel::setTable(const azure::QueryTable &table, QString *error)
{
    return mergeTable(table, QDateTime(), error);
}

bool RequestRateModel::mergeTable(const azure::QueryTable &table, const QDateTime &from, QString *error)
{
    auto read = readBins(table, error);
    if (!read)
        return false;
    QList<Bin> bins;
    for (const Bin &bin : std::as_const(m_bins))
        if (from.isValid() && bin.time < from)
            bins.append(bin);
    for (Bin &bin : *read)
        if (!from.isValid() || !(bin.time < from))
            bins.append(std::move(bin));
    std::stable_sort(bins.begin(), bins.end(), [](const Bin &a, const Bin &b) { return a.time < b.time; });
    if (bins == m_bins)
        return true; // nothing changed: the charts are not redrawn
    beginResetModel();
    m_bins = std::move(bins);
    endResetModel();
    return true;
}

void RequestRateModel::dropBefore(const QDateTime &time)
{
    qsizetype gone = 0;
    while (gone < m_bins.size() && m_bins.at(gone).time < time)
        ++gone;
    if (gone == 0)
        return;
    beginRemoveRows({}, 0, int(gone) - 1);
    m_bins.remove(0, gone);
    endRemoveRows();
}

void RequestRateModel::clear()
{
    beginResetModel();
    m_bins.clear();
    endResetModel();
}

qint64 RequestRateModel::totalRequests() const
{
    qint64 total = 0;
    for (const Bin &bin : m_bins)
        total += bin.requests;
    return total;
}

} // namespace cerulean::ui
