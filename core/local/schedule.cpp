// Schedules: Azure's Recurrence and Cron triggers turned into fire times, and the
// scheduler that submits each schedule's action when its time comes (on the service's
// clock, so tests move time instead of waiting for it).

#include "core/local/schedule.h"

#include "core/local/arm_internal.h"
#include "core/local/service.h"

#include <QRegularExpression>
#include <QStringList>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <set>
#include <unistd.h>

namespace cerulean::local {

namespace {

using arm::q;

const QString kSchedules = QStringLiteral("microsoft.machinelearningservices/workspaces/schedules");
constexpr int kSearchDays = 366 * 8;

std::nullopt_t failWith(QString *error, const QString &message)
{
    if (error)
        *error = message;
    return std::nullopt;
}

std::optional<QTimeZone> parseTimeZone(const QString &name)
{
    if (name.isEmpty() || name.compare(QLatin1String("UTC"), Qt::CaseInsensitive) == 0 ||
        name == QLatin1String("Coordinated Universal Time"))
        return QTimeZone::utc();
    QTimeZone zone(name.toUtf8());
    if (zone.isValid())
        return zone;
    // Azure takes Windows time zone names ("Pacific Standard Time").
    const QByteArray iana = QTimeZone::windowsIdToDefaultIanaId(name.toUtf8());
    if (!iana.isEmpty()) {
        QTimeZone windows(iana);
        if (windows.isValid())
            return windows;
    }
    return std::nullopt;
}

// An ISO 8601 time; one without an offset is a wall-clock time in `zone`.
std::optional<QDateTime> parseTime(const QString &text, const QTimeZone &zone)
{
    QDateTime t = QDateTime::fromString(text.trimmed(), Qt::ISODateWithMs);
    if (!t.isValid())
        t = QDateTime::fromString(text.trimmed(), Qt::ISODate);
    if (!t.isValid())
        return std::nullopt;
    if (t.timeSpec() == Qt::LocalTime)
        return QDateTime(t.date(), t.time(), zone);
    return t.toTimeZone(zone);
}

int weekDayNumber(const QString &name)
{
    static const QStringList names{QStringLiteral("monday"), QStringLiteral("tuesday"), QStringLiteral("wednesday"),
                                   QStringLiteral("thursday"), QStringLiteral("friday"), QStringLiteral("saturday"),
                                   QStringLiteral("sunday")};
    return static_cast<int>(names.indexOf(name.toLower())) + 1; // 0 when unknown
}

// A list of integers in [low, high] at trigger.schedule.<key>.
bool intList(const Json &schedule, const char *key, int low, int high, std::vector<int> &out, QString *error)
{
    if (!schedule.contains(key) || schedule[key].is_null())
        return true;
    const QString field = QStringLiteral("properties.trigger.schedule.%1").arg(QString::fromLatin1(key));
    if (!schedule[key].is_array()) {
        *error = QStringLiteral("'%1' must be an array of integers.").arg(field);
        return false;
    }
    for (std::size_t i = 0; i < schedule[key].size(); ++i) {
        const Json &v = schedule[key][i];
        if (!v.is_number_integer() || v.get<int>() < low || v.get<int>() > high) {
            *error = QStringLiteral("'%1[%2]' must be an integer from %3 to %4.").arg(field).arg(i).arg(low).arg(high);
            return false;
        }
        out.push_back(v.get<int>());
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return true;
}

// One cron field ("*", "*/5", "1-5", "1,3,5", "10-50/10", "MON-FRI") into bits low..high.
template <std::size_t N>
bool cronField(const QString &text, int low, int high, const QStringList &names, const char *what,
               std::bitset<N> &bits, bool &restricted, QString *error)
{
    restricted = text != QLatin1String("*") && text != QLatin1String("?");
    const auto value = [&](const QString &token, int &out) {
        bool ok = false;
        out = token.toInt(&ok);
        if (!ok && !names.isEmpty()) {
            const qsizetype i = names.indexOf(token.toUpper());
            if (i >= 0) {
                out = static_cast<int>(i) + low;
                ok = true;
            }
        }
        return ok;
    };
    for (const QString &part : text.split(QLatin1Char(','))) {
        QString range = part;
        int step = 1;
        if (part.contains(QLatin1Char('/'))) {
            range = part.section(QLatin1Char('/'), 0, 0);
            bool ok = false;
            step = part.section(QLatin1Char('/'), 1).toInt(&ok);
            if (!ok || step < 1) {
                *error = QStringLiteral("'properties.trigger.expression': the %1 field has a bad step in '%2'.")
                             .arg(QString::fromLatin1(what), part);
                return false;
            }
        }
        int from = low, to = high;
        if (range != QLatin1String("*") && range != QLatin1String("?")) {
            const QStringList ends = range.split(QLatin1Char('-'));
            if (ends.size() > 2 || !value(ends[0], from) || (ends.size() == 2 && !value(ends[1], to))) {
                *error = QStringLiteral("'properties.trigger.expression': the %1 field has '%2', which is not a "
                                        "number, range or list.")
                             .arg(QString::fromLatin1(what), part);
                return false;
            }
            if (ends.size() == 1)
                to = part.contains(QLatin1Char('/')) ? high : from;
        }
        if (from < low || to > high || from > to) {
            *error = QStringLiteral("'properties.trigger.expression': the %1 field has '%2', outside %3-%4.")
                         .arg(QString::fromLatin1(what), part)
                         .arg(low)
                         .arg(high);
            return false;
        }
        for (int v = from; v <= to; v += step)
            bits.set(static_cast<std::size_t>(v));
    }
    return true;
}

QDateTime at(const QDate &day, int hour, int minute, const QTimeZone &zone)
{
    return QDateTime(day, QTime(hour, minute), zone);
}

} // namespace

std::optional<ScheduleTrigger> parseScheduleTrigger(const Json &trigger, const QDateTime &created, QString *error)
{
    if (!trigger.is_object())
        return failWith(error, QStringLiteral("'properties.trigger' must be a JSON object."));
    ScheduleTrigger t;
    const auto str = [&](const char *key, QString &out) {
        if (!trigger.contains(key) || trigger[key].is_null())
            return true;
        if (!trigger[key].is_string()) {
            if (error)
                *error = QStringLiteral("'properties.trigger.%1' must be a string.").arg(QString::fromLatin1(key));
            return false;
        }
        out = QString::fromStdString(trigger[key].get<std::string>());
        return true;
    };
    QString type, zoneName, startText, endText;
    if (!str("triggerType", type) || !str("timeZone", zoneName) || !str("startTime", startText) ||
        !str("endTime", endText))
        return std::nullopt;
    const auto zone = parseTimeZone(zoneName);
    if (!zone)
        return failWith(error, QStringLiteral("'properties.trigger.timeZone' '%1' is not a known time zone (use an IANA "
                                              "name such as Europe/Berlin, a Windows name such as Pacific Standard "
                                              "Time, or UTC).")
                                   .arg(zoneName));
    t.timeZone = *zone;
    if (!startText.isEmpty()) {
        const auto start = parseTime(startText, t.timeZone);
        if (!start)
            return failWith(error, QStringLiteral("'properties.trigger.startTime' '%1' is not an ISO 8601 time.").arg(startText));
        t.start = *start;
    } else {
        t.start = created.toTimeZone(t.timeZone);
    }
    if (!endText.isEmpty()) {
        const auto end = parseTime(endText, t.timeZone);
        if (!end)
            return failWith(error, QStringLiteral("'properties.trigger.endTime' '%1' is not an ISO 8601 time.").arg(endText));
        if (*end <= t.start)
            return failWith(error, QStringLiteral("'properties.trigger.endTime' must be after the start time."));
        t.end = *end;
    }

    if (type.compare(QLatin1String("Cron"), Qt::CaseInsensitive) == 0) {
        t.type = ScheduleTrigger::Type::Cron;
        QString expression;
        if (!str("expression", expression))
            return std::nullopt;
        const QStringList fields = expression.simplified().split(QLatin1Char(' '), Qt::SkipEmptyParts);
        if (fields.size() != 5)
            return failWith(error, QStringLiteral("'properties.trigger.expression' must be a 5-field cron expression "
                                                  "(minute hour day-of-month month day-of-week), not '%1'.")
                                       .arg(expression));
        static const QStringList months{QStringLiteral("JAN"), QStringLiteral("FEB"), QStringLiteral("MAR"),
                                        QStringLiteral("APR"), QStringLiteral("MAY"), QStringLiteral("JUN"),
                                        QStringLiteral("JUL"), QStringLiteral("AUG"), QStringLiteral("SEP"),
                                        QStringLiteral("OCT"), QStringLiteral("NOV"), QStringLiteral("DEC")};
        static const QStringList days{QStringLiteral("SUN"), QStringLiteral("MON"), QStringLiteral("TUE"),
                                      QStringLiteral("WED"), QStringLiteral("THU"), QStringLiteral("FRI"),
                                      QStringLiteral("SAT")};
        bool unused = false;
        QString message;
        std::bitset<8> weekDays;
        if (!cronField(fields[0], 0, 59, {}, "minute", t.cronMinutes, unused, &message) ||
            !cronField(fields[1], 0, 23, {}, "hour", t.cronHours, unused, &message) ||
            !cronField(fields[2], 1, 31, {}, "day-of-month", t.cronDays, t.cronDayRestricted, &message) ||
            !cronField(fields[3], 1, 12, months, "month", t.cronMonths, unused, &message) ||
            !cronField(fields[4], 0, 7, days, "day-of-week", weekDays, t.cronWeekDayRestricted, &message))
            return failWith(error, message);
        if (weekDays.test(7))
            weekDays.set(0);
        weekDays.reset(7);
        t.cronWeekDays = weekDays;
        return t;
    }
    if (type.compare(QLatin1String("Recurrence"), Qt::CaseInsensitive) != 0)
        return failWith(error, QStringLiteral("'properties.trigger.triggerType' must be Recurrence or Cron, not '%1'.").arg(type));

    QString frequency;
    if (!str("frequency", frequency))
        return std::nullopt;
    static const QStringList frequencies{QStringLiteral("minute"), QStringLiteral("hour"), QStringLiteral("day"),
                                         QStringLiteral("week"), QStringLiteral("month")};
    const qsizetype f = frequencies.indexOf(frequency.toLower());
    if (f < 0)
        return failWith(error, QStringLiteral("'properties.trigger.frequency' must be Minute, Hour, Day, Week or Month, "
                                              "not '%1'.")
                                   .arg(frequency));
    t.frequency = static_cast<ScheduleTrigger::Frequency>(f);
    if (!trigger.contains("interval") || !trigger["interval"].is_number_integer() || trigger["interval"].get<qint64>() < 1 ||
        trigger["interval"].get<qint64>() > 100000)
        return failWith(error, QStringLiteral("'properties.trigger.interval' must be an integer of at least 1."));
    t.interval = trigger["interval"].get<int>();
    if (trigger.contains("schedule") && !trigger["schedule"].is_null()) {
        const Json &pattern = trigger["schedule"];
        if (!pattern.is_object())
            return failWith(error, QStringLiteral("'properties.trigger.schedule' must be a JSON object."));
        QString message;
        if (!intList(pattern, "hours", 0, 23, t.hours, &message) || !intList(pattern, "minutes", 0, 59, t.minutes, &message) ||
            !intList(pattern, "monthDays", 1, 31, t.monthDays, &message))
            return failWith(error, message);
        if (pattern.contains("weekDays") && !pattern["weekDays"].is_null()) {
            if (!pattern["weekDays"].is_array())
                return failWith(error, QStringLiteral("'properties.trigger.schedule.weekDays' must be an array of day names."));
            for (std::size_t i = 0; i < pattern["weekDays"].size(); ++i) {
                const Json &d = pattern["weekDays"][i];
                const int n = d.is_string() ? weekDayNumber(QString::fromStdString(d.get<std::string>())) : 0;
                if (n == 0)
                    return failWith(error, QStringLiteral("'properties.trigger.schedule.weekDays[%1]' must be a day name "
                                                          "(Monday … Sunday).")
                                               .arg(i));
                t.weekDays.push_back(n);
            }
            std::sort(t.weekDays.begin(), t.weekDays.end());
        }
        const bool any = !t.hours.empty() || !t.minutes.empty() || !t.weekDays.empty() || !t.monthDays.empty();
        if (any && (t.frequency == ScheduleTrigger::Frequency::Minute || t.frequency == ScheduleTrigger::Frequency::Hour))
            return failWith(error, QStringLiteral("'properties.trigger.schedule' applies to the Day, Week and Month "
                                                  "frequencies, not %1.")
                                       .arg(frequency));
        if (!t.weekDays.empty() && t.frequency != ScheduleTrigger::Frequency::Week)
            return failWith(error, QStringLiteral("'properties.trigger.schedule.weekDays' needs the Week frequency."));
        if (!t.monthDays.empty() && t.frequency != ScheduleTrigger::Frequency::Month)
            return failWith(error, QStringLiteral("'properties.trigger.schedule.monthDays' needs the Month frequency."));
    }
    return t;
}

std::optional<QDateTime> ScheduleTrigger::nextAfter(const QDateTime &afterIn) const
{
    const QDateTime after = afterIn.toTimeZone(timeZone);
    const auto within = [&](const QDateTime &t) -> std::optional<QDateTime> {
        if (end && t > *end)
            return std::nullopt;
        return t;
    };
    if (type == Type::Recurrence &&
        (frequency == Frequency::Minute || frequency == Frequency::Hour)) {
        const qint64 period = static_cast<qint64>(interval) * (frequency == Frequency::Minute ? 60000 : 3600000);
        const qint64 startMs = start.toMSecsSinceEpoch();
        const qint64 afterMs = after.toMSecsSinceEpoch();
        const qint64 k = afterMs < startMs ? 0 : (afterMs - startMs) / period + 1;
        return within(QDateTime::fromMSecsSinceEpoch(startMs + k * period, timeZone));
    }

    QDate day = std::max(after.date(), start.date());
    for (int i = 0; i < kSearchDays; ++i, day = day.addDays(1)) {
        std::vector<int> dayHours, dayMinutes;
        if (type == Type::Cron) {
            if (!cronMonths.test(static_cast<std::size_t>(day.month())))
                continue;
            const bool dom = cronDays.test(static_cast<std::size_t>(day.day()));
            const bool dow = cronWeekDays.test(static_cast<std::size_t>(day.dayOfWeek() % 7));
            // Classic cron: when both day fields are restricted, either may match.
            const bool match = cronDayRestricted && cronWeekDayRestricted ? (dom || dow)
                               : cronDayRestricted                        ? dom
                               : cronWeekDayRestricted                    ? dow
                                                                          : true;
            if (!match)
                continue;
            for (int h = 0; h < 24; ++h)
                if (cronHours.test(static_cast<std::size_t>(h)))
                    dayHours.push_back(h);
            for (int m = 0; m < 60; ++m)
                if (cronMinutes.test(static_cast<std::size_t>(m)))
                    dayMinutes.push_back(m);
        } else {
            if (frequency == Frequency::Day) {
                if (start.date().daysTo(day) % interval != 0)
                    continue;
            } else if (frequency == Frequency::Week) {
                const std::vector<int> days = weekDays.empty() ? std::vector<int>{start.date().dayOfWeek()} : weekDays;
                if (std::find(days.begin(), days.end(), day.dayOfWeek()) == days.end())
                    continue;
                const QDate startMonday = start.date().addDays(1 - start.date().dayOfWeek());
                const QDate monday = day.addDays(1 - day.dayOfWeek());
                if ((startMonday.daysTo(monday) / 7) % interval != 0)
                    continue;
            } else {
                const std::vector<int> days = monthDays.empty() ? std::vector<int>{start.date().day()} : monthDays;
                if (std::find(days.begin(), days.end(), day.day()) == days.end())
                    continue;
                const int months = (day.year() - start.date().year()) * 12 + day.month() - start.date().month();
                if (months % interval != 0)
                    continue;
            }
            dayHours = hours.empty() ? std::vector<int>{start.time().hour()} : hours;
            dayMinutes = minutes.empty() ? std::vector<int>{start.time().minute()} : minutes;
        }
        for (int h : dayHours)
            for (int m : dayMinutes) {
                const QDateTime t = at(day, h, m, timeZone);
                if (t > after && t >= start)
                    return within(t);
            }
        if (end && QDateTime(day, QTime(0, 0), timeZone) > *end)
            return std::nullopt;
    }
    return std::nullopt;
}

// ---------------------------------------------------------------------------------------
Scheduler::Scheduler(LocalService &service, SchedulerOptions options)
    : m_service(service), m_options(options), m_instance(newGuid())
{
    registerInstance(true);
}

Scheduler::~Scheduler()
{
    stop();
    registerInstance(false);
}

void Scheduler::start()
{
    std::lock_guard lock(m_threadMutex);
    if (m_thread.joinable() || m_options.tickInterval.count() <= 0)
        return;
    m_stopping = false;
    m_thread = std::thread([this] {
        std::unique_lock threadLock(m_threadMutex);
        while (!m_stopping) {
            threadLock.unlock();
            tick();
            threadLock.lock();
            m_wake.wait_for(threadLock, m_options.tickInterval, [this] { return m_stopping; });
        }
    });
}

void Scheduler::stop()
{
    {
        std::lock_guard lock(m_threadMutex);
        m_stopping = true;
    }
    m_wake.notify_all();
    if (m_thread.joinable())
        m_thread.join();
}

int Scheduler::tick()
{
    std::lock_guard lock(m_mutex);
    const qint64 now = m_service.nowMs();
    int started = 0;
    for (const StoredResource &schedule : m_service.store().byKindAndState(kSchedules, {}))
        started += evaluate(schedule, now);
    return started;
}

std::optional<MissedRunPolicy> parseMissedRunPolicy(const QString &text)
{
    if (text.compare(QLatin1String("CatchUp"), Qt::CaseInsensitive) == 0)
        return MissedRunPolicy::CatchUp;
    if (text.compare(QLatin1String("Skip"), Qt::CaseInsensitive) == 0)
        return MissedRunPolicy::Skip;
    return std::nullopt;
}

namespace {

// The schedulers alive in this process, by instance id: an intent whose owner is this process
// but none of them was left by a scheduler that is gone (or by a process that had this pid).
std::mutex g_liveMutex;
std::set<QString> g_live;

bool ownerProcessAlive(qint64 pid) { return pid > 0 && (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM); }

} // namespace

QString Scheduler::owner() const { return QString::number(::getpid()) + QLatin1Char(':') + m_instance; }

bool Scheduler::ownerGone(const QString &owner)
{
    const qint64 pid = owner.section(QLatin1Char(':'), 0, 0).toLongLong();
    if (pid != ::getpid())
        return !ownerProcessAlive(pid);
    std::lock_guard lock(g_liveMutex);
    return !g_live.count(owner.section(QLatin1Char(':'), 1));
}

void Scheduler::registerInstance(bool live)
{
    std::lock_guard lock(g_liveMutex);
    if (live)
        g_live.insert(m_instance);
    else
        g_live.erase(m_instance);
}

// Fires one recorded intent and moves it from the schedule's pending intents to its history.
// The job's name was chosen when the intent was recorded: if a crash came after the job was
// made and before this record, firing again finds that job and makes no second one.
int Scheduler::fire(const StoredResource &schedule, const Json &intent)
{
    const Json &p = schedule.doc["properties"];
    const QString workspaceId = schedule.id.section(QLatin1Char('/'), 0, -3);
    const QString jobName = QString::fromStdString(intent.value("jobName", std::string()));
    const qint64 scheduledMs = intent.value("scheduledMs", qint64(0));
    Json entry{{"scheduledTime", isoFromMs(scheduledMs).toStdString()},
               {"evaluatedTime", intent.value("evaluatedTime", std::string())}};
    QString error;
    const QString job = m_service.runScheduleAction(workspaceId, schedule.name, p.value("action", Json::object()),
                                                    QDateTime::fromMSecsSinceEpoch(scheduledMs, Qt::UTC), jobName, &error);
    if (job.isEmpty()) {
        entry["status"] = "Failed";
        entry["reason"] = error.toStdString();
    } else {
        entry["status"] = "Started";
        entry["jobName"] = job.toStdString();
    }
    m_service.store().updateResource(schedule.id, [&](StoredResource &r) {
        Json &pending = r.doc["_local"]["pending"];
        if (pending.is_array())
            for (auto it = pending.begin(); it != pending.end(); ++it)
                if (it->value("jobName", std::string()) == jobName.toStdString()) {
                    pending.erase(it);
                    break;
                }
        appendHistory(r, Json::array({entry}));
        return true;
    });
    return job.isEmpty() ? 0 : 1;
}

void Scheduler::appendHistory(StoredResource &r, const Json &entries) const
{
    Json &history = r.doc["_local"]["history"];
    if (!history.is_array())
        history = Json::array();
    for (const Json &e : entries)
        history.push_back(e);
    while (static_cast<int>(history.size()) > m_options.historyLimit)
        history.erase(history.begin());
}

int Scheduler::evaluate(const StoredResource &schedule, qint64 nowMs)
{
    int started = 0;
    // Intents a process recorded and did not live to record as done: taken over (one taker
    // wins) and fired now, so no occurrence is lost to a crash.
    const Json pendingNow = schedule.doc.value("_local", Json::object()).value("pending", Json::array());
    if (pendingNow.is_array())
        for (const Json &intent : pendingNow) {
            const QString was = QString::fromStdString(intent.value("owner", std::string()));
            if (!ownerGone(was))
                continue;
            bool taken = false;
            Json mine = intent;
            m_service.store().updateResource(schedule.id, [&](StoredResource &r) {
                Json &pending = r.doc["_local"]["pending"];
                if (!pending.is_array())
                    return false;
                for (Json &i : pending)
                    if (i.value("jobName", std::string()) == intent.value("jobName", std::string()) &&
                        i.value("owner", std::string()) == was.toStdString()) {
                        i["owner"] = owner().toStdString();
                        mine = i;
                        taken = true;
                        return true;
                    }
                return false;
            });
            if (taken)
                started += fire(schedule, mine);
        }

    const Json local = schedule.doc.value("_local", Json::object());
    const Json &p = schedule.doc["properties"];
    const qint64 last = local.value("lastEvaluatedMs", qint64(-1));
    const bool enabled = p.value("isEnabled", true);
    std::vector<QDateTime> due;
    if (last >= 0 && enabled) {
        QString error;
        const auto trigger = parseScheduleTrigger(p.value("trigger", Json::object()),
                                                  QDateTime::fromMSecsSinceEpoch(local.value("createdMs", nowMs), Qt::UTC), &error);
        if (trigger) {
            auto t = trigger->nextAfter(QDateTime::fromMSecsSinceEpoch(last, Qt::UTC));
            // Bounded: a years-long outage of a one-minute schedule is not replayed in full.
            while (t && t->toMSecsSinceEpoch() <= nowMs && due.size() < 100000) {
                due.push_back(*t);
                t = trigger->nextAfter(*t);
            }
        }
    }

    // What each occurrence becomes: skipped (recorded at once) or an intent to fire, with the
    // name its job will have.
    const QString workspaceId = schedule.id.section(QLatin1Char('/'), 0, -3);
    const Json action = p.value("action", Json::object());
    const bool createsJob = QString::fromStdString(action.value("actionType", std::string())) == QLatin1String("CreateJob");
    const Json bag = p.value("properties", Json::object());
    const auto own = bag.is_object() && bag.value(kMissedRunsProperty, Json()).is_string()
                         ? parseMissedRunPolicy(QString::fromStdString(bag[kMissedRunsProperty].get<std::string>()))
                         : std::nullopt;
    const MissedRunPolicy missedRuns = own.value_or(m_options.missedRuns);
    Json skipped = Json::array();
    Json intents = Json::array();
    std::set<QString> names;
    int caughtUp = 0;
    for (const QDateTime &t : due) {
        const qint64 lateMs = nowMs - t.toMSecsSinceEpoch();
        Json entry{{"scheduledTime", isoFromMs(t.toMSecsSinceEpoch()).toStdString()},
                   {"evaluatedTime", isoFromMs(nowMs).toStdString()}};
        const bool late = lateMs > std::chrono::duration_cast<std::chrono::milliseconds>(m_options.lateTolerance).count();
        if (late && missedRuns == MissedRunPolicy::Skip) {
            entry["status"] = "Skipped";
            entry["reason"] = "Missed while the local workspace service was not running (missed runs are skipped).";
            skipped.push_back(entry);
            continue;
        }
        if (late && caughtUp >= m_options.maxCatchUp) {
            entry["status"] = "Skipped";
            entry["reason"] = "More missed runs than the catch-up limit.";
            skipped.push_back(entry);
            continue;
        }
        if (late)
            ++caughtUp;
        QString name;
        if (createsJob) {
            const QString stem = schedule.name + QLatin1Char('-') + t.toUTC().toString(QStringLiteral("yyyyMMddHHmmss"));
            name = stem;
            for (int n = 2; names.count(name) || m_service.store().resource(workspaceId + QStringLiteral("/jobs/") + name); ++n)
                name = stem + QLatin1Char('-') + QString::number(n);
        } else {
            name = QStringLiteral("batchjob-") + newGuid();
        }
        names.insert(name);
        intents.push_back({{"scheduledMs", t.toMSecsSinceEpoch()},
                           {"evaluatedTime", entry["evaluatedTime"]},
                           {"jobName", name.toStdString()},
                           {"owner", owner().toStdString()}});
    }

    // Claim the interval (last, now] and record its intents in one write: two processes on one
    // root never both claim it, and a crash after this write loses nothing (the intents stay
    // until they are fired).
    bool claimed = false;
    m_service.store().updateResource(schedule.id, [&](StoredResource &r) {
        if (r.doc["_local"].value("lastEvaluatedMs", qint64(-1)) != last)
            return false;
        r.doc["_local"]["lastEvaluatedMs"] = nowMs;
        Json &pending = r.doc["_local"]["pending"];
        if (!pending.is_array())
            pending = Json::array();
        for (const Json &i : intents)
            pending.push_back(i);
        appendHistory(r, skipped);
        claimed = true;
        return true;
    });
    if (!claimed)
        return started;
    for (const Json &intent : intents)
        started += fire(schedule, intent);
    return started;
}

} // namespace cerulean::local
