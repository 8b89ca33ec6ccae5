#pragma once

#include "core/local/store.h"

#include <QDateTime>
#include <QString>
#include <QTimeZone>

#include <array>
#include <atomic>
#include <bitset>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace cerulean::local {

class LocalService;

// A schedule's trigger (Azure's Recurrence or Cron trigger), parsed and checked.
struct ScheduleTrigger
{
    enum class Type { Recurrence, Cron };
    enum class Frequency { Minute, Hour, Day, Week, Month };

    Type type = Type::Recurrence;
    Frequency frequency = Frequency::Day;
    int interval = 1;
    // Recurrence pattern (Day, Week, Month): empty = the start time's hour / minute / day.
    std::vector<int> hours;
    std::vector<int> minutes;
    std::vector<int> weekDays;  // 1 = Monday … 7 = Sunday (Qt's numbering)
    std::vector<int> monthDays; // 1 … 31
    // Cron: the five fields expanded.
    std::bitset<60> cronMinutes;
    std::bitset<24> cronHours;
    std::bitset<32> cronDays;   // 1 … 31
    std::bitset<13> cronMonths; // 1 … 12
    std::bitset<8> cronWeekDays; // 0 = Sunday … 6 (7 folded into 0)
    bool cronDayRestricted = false;
    bool cronWeekDayRestricted = false;

    QTimeZone timeZone = QTimeZone::utc();
    QDateTime start; // in timeZone
    std::optional<QDateTime> end;

    // The first fire time strictly after `after`, or nullopt when there is none (past the
    // end time, or no match within eight years).
    std::optional<QDateTime> nextAfter(const QDateTime &after) const;
};

// Parses Azure's trigger JSON ({"triggerType":"Recurrence","frequency":"Minute",…} or
// {"triggerType":"Cron","expression":"*/5 * * * *",…}). `created` is the start when the
// trigger names none. On a bad field: nullopt and *error names it ("properties.trigger.…").
std::optional<ScheduleTrigger> parseScheduleTrigger(const Json &trigger, const QDateTime &created, QString *error);

// What the service does with the fire times it missed while it was not running.
enum class MissedRunPolicy
{
    Skip,    // record them as skipped; run only an occurrence that is not later than the tolerance
    CatchUp, // run each of them (at most SchedulerOptions::maxCatchUp)
};

// A schedule may choose for itself in its property bag (properties.properties), overriding
// SchedulerOptions::missedRuns: "CatchUp" or "Skip".
inline constexpr const char *kMissedRunsProperty = "cerulean.missedRuns";
std::optional<MissedRunPolicy> parseMissedRunPolicy(const QString &text);

struct SchedulerOptions
{
    MissedRunPolicy missedRuns = MissedRunPolicy::Skip;
    std::chrono::seconds lateTolerance{60}; // an occurrence this late still runs under Skip
    int maxCatchUp = 100;
    int historyLimit = 500;                 // history entries kept per schedule
    // How often the background thread looks at the schedules; zero = no thread (tests
    // call tick() after moving their clock).
    std::chrono::milliseconds tickInterval{std::chrono::seconds(5)};
};

using ServiceClock = std::function<std::chrono::system_clock::time_point()>;

// Fires the workspace schedules: each tick() looks at every enabled schedule, finds the
// occurrences between its last evaluation and now (per the service's clock), and submits
// the schedule's action for them — a job (CreateJob) or a batch endpoint invocation
// (InvokeBatchEndpoint). Every occurrence lands in the schedule's history. An occurrence is
// recorded as an intent, with its job's name, in the same write that claims it, and fired
// after: a crash in between leaves the intent, which the next tick of any process on the root
// fires (finding the job if it was made, so never twice).
class Scheduler final
{
public:
    Scheduler(LocalService &service, SchedulerOptions options);
    ~Scheduler();
    Scheduler(const Scheduler &) = delete;
    Scheduler &operator=(const Scheduler &) = delete;

    void start();
    void stop();
    // Evaluates every schedule once; returns the number of runs it started.
    int tick();

    const SchedulerOptions &options() const { return m_options; }

private:
    int evaluate(const StoredResource &schedule, qint64 nowMs);
    int fire(const StoredResource &schedule, const Json &intent);
    void appendHistory(StoredResource &schedule, const Json &entries) const;
    QString owner() const; // "pid:instance" of this scheduler, on the intents it records
    static bool ownerGone(const QString &owner);
    void registerInstance(bool live);

    LocalService &m_service;
    SchedulerOptions m_options;
    std::mutex m_mutex;        // one tick at a time
    std::mutex m_threadMutex;
    std::condition_variable m_wake;
    bool m_stopping = false;
    std::thread m_thread;
    QString m_instance; // tells this scheduler's intents from those of others in the process
};

} // namespace cerulean::local
