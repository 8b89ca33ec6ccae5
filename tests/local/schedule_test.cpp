// Schedules on the local workspace under an injected clock: recurrence and cron fire
// times, the history of the runs a schedule started, disable/enable, and catch-up or skip
// after the service was down. No test waits for real time to pass.

#include "core/local/schedule.h"
#include "tests/local/local_test_util.h"

#include <QDateTime>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>

using namespace cerulean::local;
using namespace cerulean::local::test;

namespace {

QDateTime utc(const char *iso) { return QDateTime::fromString(QString::fromLatin1(iso), Qt::ISODate).toUTC(); }

ScheduleTrigger trigger(const Json &j, QDateTime created = utc("2026-01-01T00:00:00Z"))
{
    QString error;
    auto t = parseScheduleTrigger(j, created, &error);
    EXPECT_TRUE(t) << error.toStdString();
    return t ? *t : ScheduleTrigger{};
}

QString fails(const Json &j)
{
    QString error;
    EXPECT_FALSE(parseScheduleTrigger(j, utc("2026-01-01T00:00:00Z"), &error)) << j.dump();
    return error;
}

std::vector<QString> fireTimes(const ScheduleTrigger &t, QDateTime after, int n)
{
    std::vector<QString> out;
    for (int i = 0; i < n; ++i) {
        const auto next = t.nextAfter(after);
        if (!next)
            break;
        out.push_back(next->toUTC().toString(Qt::ISODate));
        after = *next;
    }
    return out;
}

TEST(ScheduleTrigger, MinuteAndHourRecurrenceStepFromTheStartTime)
{
    const auto t = trigger({{"triggerType", "Recurrence"}, {"frequency", "Minute"}, {"interval", 15},
                            {"startTime", "2026-03-01T10:05:00"}, {"timeZone", "UTC"}});
    EXPECT_EQ(fireTimes(t, utc("2026-03-01T09:00:00Z"), 3),
              (std::vector<QString>{"2026-03-01T10:05:00Z", "2026-03-01T10:20:00Z", "2026-03-01T10:35:00Z"}));
    EXPECT_EQ(fireTimes(t, utc("2026-03-01T10:20:00Z"), 1), std::vector<QString>{"2026-03-01T10:35:00Z"});
    const auto h = trigger({{"triggerType", "Recurrence"}, {"frequency", "Hour"}, {"interval", 2}, {"startTime", "2026-03-01T10:30:00Z"},
                            {"endTime", "2026-03-01T15:00:00Z"}});
    EXPECT_EQ(fireTimes(h, utc("2026-03-01T11:00:00Z"), 5),
              (std::vector<QString>{"2026-03-01T12:30:00Z", "2026-03-01T14:30:00Z"})); // then the end time
}

TEST(ScheduleTrigger, WeekAndMonthPatternsFollowTheTimeZone)
{
    // Mondays and Thursdays at 09:30 and 17:00 Pacific time (a Windows zone name, as Azure takes).
    const auto w = trigger({{"triggerType", "Recurrence"},
                            {"frequency", "Week"},
                            {"interval", 1},
                            {"timeZone", "Pacific Standard Time"},
                            {"startTime", "2026-06-01T00:00:00"},
                            {"schedule", {{"hours", {17, 9}}, {"minutes", {30, 0}}, {"weekDays", {"Thursday", "monday"}}}}});
    EXPECT_EQ(fireTimes(w, utc("2026-06-01T00:00:00Z"), 5),
              (std::vector<QString>{"2026-06-01T16:00:00Z", "2026-06-01T16:30:00Z", "2026-06-02T00:00:00Z",
                                    "2026-06-02T00:30:00Z", "2026-06-04T16:00:00Z"}));
    // Every second week only.
    const auto w2 = trigger({{"triggerType", "Recurrence"}, {"frequency", "Week"}, {"interval", 2},
                             {"startTime", "2026-06-01T08:00:00Z"}, {"schedule", {{"weekDays", {"Monday"}}, {"hours", {8}}, {"minutes", {0}}}}});
    EXPECT_EQ(fireTimes(w2, utc("2026-06-01T09:00:00Z"), 2),
              (std::vector<QString>{"2026-06-15T08:00:00Z", "2026-06-29T08:00:00Z"}));
    // The 1st and 15th of every third month at the start time's time of day.
    const auto m = trigger({{"triggerType", "Recurrence"}, {"frequency", "Month"}, {"interval", 3},
                            {"startTime", "2026-01-10T06:45:00Z"}, {"schedule", {{"monthDays", {15, 1}}}}});
    EXPECT_EQ(fireTimes(m, utc("2026-01-01T00:00:00Z"), 4),
              (std::vector<QString>{"2026-01-15T06:45:00Z", "2026-04-01T06:45:00Z", "2026-04-15T06:45:00Z",
                                    "2026-07-01T06:45:00Z"}));
    // Every other day.
    const auto d = trigger({{"triggerType", "Recurrence"}, {"frequency", "Day"}, {"interval", 2}, {"startTime", "2026-02-27T23:00:00Z"}});
    EXPECT_EQ(fireTimes(d, utc("2026-02-28T00:00:00Z"), 2),
              (std::vector<QString>{"2026-03-01T23:00:00Z", "2026-03-03T23:00:00Z"}));
}

TEST(ScheduleTrigger, CronExpressions)
{
    const auto every5 = trigger({{"triggerType", "Cron"}, {"expression", "*/20 9-10 * * MON-FRI"}, {"timeZone", "UTC"}});
    // 2026-05-01 is a Friday.
    EXPECT_EQ(fireTimes(every5, utc("2026-05-01T10:30:00Z"), 3),
              (std::vector<QString>{"2026-05-01T10:40:00Z", "2026-05-04T09:00:00Z", "2026-05-04T09:20:00Z"}));
    // Day of month and day of week both restricted: either matches (classic cron).
    const auto both = trigger({{"triggerType", "Cron"}, {"expression", "0 6 13 * 5"}});
    EXPECT_EQ(fireTimes(both, utc("2026-02-01T00:00:00Z"), 4),
              (std::vector<QString>{"2026-02-06T06:00:00Z", "2026-02-13T06:00:00Z", "2026-02-20T06:00:00Z",
                                    "2026-02-27T06:00:00Z"}));
    const auto berlin = trigger({{"triggerType", "Cron"}, {"expression", "30 2 * * 0"}, {"timeZone", "Europe/Berlin"}});
    EXPECT_EQ(fireTimes(berlin, utc("2026-07-01T00:00:00Z"), 1), std::vector<QString>{"2026-07-05T00:30:00Z"});
}

TEST(ScheduleTrigger, BadFieldsAreNamed)
{
    EXPECT_TRUE(fails({{"triggerType", "Cron"}, {"expression", "* * *"}}).contains(QLatin1String("5-field")));
    EXPECT_TRUE(fails({{"triggerType", "Cron"}, {"expression", "0 25 * * *"}}).contains(QLatin1String("hour field has '25'")));
    EXPECT_TRUE(fails({{"triggerType", "Recurrence"}, {"frequency", "Fortnight"}, {"interval", 1}})
                    .contains(QLatin1String("properties.trigger.frequency")));
    EXPECT_TRUE(fails({{"triggerType", "Recurrence"}, {"frequency", "Day"}, {"interval", 0}})
                    .contains(QLatin1String("properties.trigger.interval")));
    EXPECT_TRUE(fails({{"triggerType", "Recurrence"}, {"frequency", "Week"}, {"interval", 1}, {"schedule", {{"weekDays", {"Funday"}}}}})
                    .contains(QLatin1String("properties.trigger.schedule.weekDays[0]")));
    EXPECT_TRUE(fails({{"triggerType", "Recurrence"}, {"frequency", "Day"}, {"interval", 1}, {"schedule", {{"hours", {3, 24}}}}})
                    .contains(QLatin1String("properties.trigger.schedule.hours[1]")));
    EXPECT_TRUE(fails({{"triggerType", "Recurrence"}, {"frequency", "Day"}, {"interval", 1}, {"timeZone", "Mars/Olympus"}})
                    .contains(QLatin1String("properties.trigger.timeZone")));
    EXPECT_TRUE(fails({{"triggerType", "Recurrence"}, {"frequency", "Day"}, {"interval", 1}, {"startTime", "soon"}})
                    .contains(QLatin1String("properties.trigger.startTime")));
    EXPECT_TRUE(fails({{"triggerType", "Once"}}).contains(QLatin1String("properties.trigger.triggerType")));
}

// A service whose clock the test moves.
class Schedules : public ServiceFixture
{
protected:
    void open(MissedRunPolicy policy)
    {
        ServiceOptions options;
        options.root = m_dir.path();
        options.startWorkers = m_workers; // the jobs a schedule submits are checked, not run
        options.clock = [this] { return std::chrono::system_clock::time_point(std::chrono::milliseconds(m_now.load())); };
        options.scheduler.tickInterval = std::chrono::milliseconds(0);
        options.scheduler.missedRuns = policy;
        m_service = std::make_unique<LocalService>(options);
        QString error;
        ASSERT_TRUE(m_service->open(&error)) << error.toStdString();
        m_token = m_service->issueToken();
        m_sub = QStringLiteral("/subscriptions/") + m_service->subscriptionId();
        m_rg = m_sub + QStringLiteral("/resourceGroups/rg1");
        m_ws = m_rg + QStringLiteral("/providers/Microsoft.MachineLearningServices/workspaces/ws1");
    }

    void at(const char *iso) { m_now = utc(iso).toMSecsSinceEpoch(); }

    Json pipelineDefinition() const
    {
        return Json{{"jobType", "Pipeline"},
                    {"experimentName", "nightly"},
                    {"inputs", {{"avg_rate", {{"jobInputType", "literal"}, {"value", "0.5"}}}}},
                    {"jobs", {{"hello", {{"type", "command"}, {"command", "echo ${{inputs.rate}}"},
                                         {"inputs", {{"rate", "${{parent.inputs.avg_rate}}"}}}}}}}};
    }

    ApiResponse putSchedule(const QString &name, const Json &trigger, bool enabled = true)
    {
        return call("PUT", m_ws + QStringLiteral("/schedules/") + name,
                    Json{{"properties",
                          {{"isEnabled", enabled},
                           {"trigger", trigger},
                           {"action", {{"actionType", "CreateJob"}, {"jobDefinition", pipelineDefinition()}}}}}});
    }

    Json history(const QString &name)
    {
        const auto r = call("GET", m_ws + QStringLiteral("/schedules/") + name + QStringLiteral("/history"));
        EXPECT_EQ(r.status, 200) << r.body.toStdString();
        return r.json()["value"];
    }

    std::atomic<qint64> m_now{0};
    bool m_workers = false;
};

TEST_F(Schedules, OneMinuteRecurrenceFiresTwiceAndItsHistoryShowsBothRuns)
{
    open(MissedRunPolicy::Skip);
    at("2026-04-01T12:00:00Z");
    createWorkspace();
    ASSERT_EQ(putSchedule(QStringLiteral("every-minute"), {{"triggerType", "Recurrence"}, {"frequency", "Minute"}, {"interval", 1},
                                                          {"startTime", "2026-04-01T12:00:00Z"}, {"timeZone", "UTC"}})
                  .status,
              201);
    EXPECT_EQ(m_service->scheduler()->tick(), 0); // nothing due yet
    at("2026-04-01T12:00:59Z");
    EXPECT_EQ(m_service->scheduler()->tick(), 0);
    at("2026-04-01T12:01:00Z");
    EXPECT_EQ(m_service->scheduler()->tick(), 1);
    at("2026-04-01T12:01:30Z");
    EXPECT_EQ(m_service->scheduler()->tick(), 0);
    at("2026-04-01T12:02:05Z");
    EXPECT_EQ(m_service->scheduler()->tick(), 1);

    const Json h = history(QStringLiteral("every-minute"));
    ASSERT_EQ(h.size(), 2u) << h.dump();
    EXPECT_EQ(h[0]["scheduledTime"], "2026-04-01T12:01:00.000Z");
    EXPECT_EQ(h[1]["scheduledTime"], "2026-04-01T12:02:00.000Z");
    for (const Json &e : h) {
        EXPECT_EQ(e["status"], "Started");
        EXPECT_EQ(e["jobStatus"], "NotStarted");
        const auto job = call("GET", m_ws + QStringLiteral("/jobs/") + QString::fromStdString(e["jobName"].get<std::string>()));
        ASSERT_EQ(job.status, 200);
        EXPECT_EQ(job.json()["properties"]["jobType"], "Pipeline");
        EXPECT_EQ(job.json()["properties"]["properties"]["azureml.schedule.name"], "every-minute");
    }
    EXPECT_EQ(h[0]["jobName"], "every-minute-20260401120100");
    // The jobs list filters a schedule's runs, as Azure's scheduleId filter does.
    EXPECT_EQ(call("GET", m_ws + QStringLiteral("/jobs?scheduleId=every-minute")).json()["value"].size(), 2u);
}

TEST_F(Schedules, CronScheduleFiresAtItsTimes)
{
    open(MissedRunPolicy::Skip);
    at("2026-04-01T10:02:00Z");
    createWorkspace();
    ASSERT_EQ(putSchedule(QStringLiteral("five"), {{"triggerType", "Cron"}, {"expression", "*/5 * * * *"}, {"timeZone", "UTC"}}).status, 201);
    int started = 0;
    for (int minute = 3; minute <= 16; ++minute) {
        m_now += 60000;
        started += m_service->scheduler()->tick();
    }
    EXPECT_EQ(started, 3);
    const Json h = history(QStringLiteral("five"));
    ASSERT_EQ(h.size(), 3u);
    EXPECT_EQ(h[0]["scheduledTime"], "2026-04-01T10:05:00.000Z");
    EXPECT_EQ(h[2]["scheduledTime"], "2026-04-01T10:15:00.000Z");
}

TEST_F(Schedules, DisabledSchedulesDoNotFireAndDoNotCatchUpWhenEnabled)
{
    open(MissedRunPolicy::CatchUp);
    at("2026-04-01T12:00:00Z");
    createWorkspace();
    const Json minute{{"triggerType", "Recurrence"}, {"frequency", "Minute"}, {"interval", 1}, {"startTime", "2026-04-01T12:00:00Z"}};
    ASSERT_EQ(putSchedule(QStringLiteral("toggle"), minute).status, 201);
    at("2026-04-01T12:01:00Z");
    EXPECT_EQ(m_service->scheduler()->tick(), 1);
    auto r = call("PATCH", m_ws + QStringLiteral("/schedules/toggle"), Json{{"properties", {{"isEnabled", false}}}});
    ASSERT_EQ(r.status, 200) << r.body.toStdString();
    for (int i = 0; i < 5; ++i) {
        m_now += 60000;
        EXPECT_EQ(m_service->scheduler()->tick(), 0);
    }
    r = call("PATCH", m_ws + QStringLiteral("/schedules/toggle"), Json{{"properties", {{"isEnabled", true}}}});
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(m_service->scheduler()->tick(), 0); // the disabled minutes are not replayed
    m_now += 60000;
    EXPECT_EQ(m_service->scheduler()->tick(), 1);
    EXPECT_EQ(history(QStringLiteral("toggle")).size(), 2u);
}

TEST_F(Schedules, AfterDowntimeMissedRunsAreCaughtUpWhenConfigured)
{
    open(MissedRunPolicy::CatchUp);
    at("2026-04-01T12:00:00Z");
    createWorkspace();
    ASSERT_EQ(putSchedule(QStringLiteral("catch"), {{"triggerType", "Recurrence"}, {"frequency", "Minute"}, {"interval", 1},
                                                   {"startTime", "2026-04-01T12:00:00Z"}})
                  .status,
              201);
    m_service.reset(); // the service stops …
    at("2026-04-01T12:05:10Z");
    open(MissedRunPolicy::CatchUp); // … and comes back five minutes later on the same root
    EXPECT_EQ(m_service->scheduler()->tick(), 5);
    const Json h = history(QStringLiteral("catch"));
    ASSERT_EQ(h.size(), 5u);
    for (const Json &e : h)
        EXPECT_EQ(e["status"], "Started");
}

TEST_F(Schedules, AfterDowntimeMissedRunsAreSkippedWhenConfigured)
{
    open(MissedRunPolicy::Skip);
    at("2026-04-01T12:00:00Z");
    createWorkspace();
    ASSERT_EQ(putSchedule(QStringLiteral("skip"), {{"triggerType", "Recurrence"}, {"frequency", "Minute"}, {"interval", 1},
                                                  {"startTime", "2026-04-01T12:00:00Z"}})
                  .status,
              201);
    m_service.reset();
    at("2026-04-01T12:05:10Z");
    open(MissedRunPolicy::Skip);
    EXPECT_EQ(m_service->scheduler()->tick(), 1); // only the occurrence that is on time
    const Json h = history(QStringLiteral("skip"));
    ASSERT_EQ(h.size(), 5u);
    for (int i = 0; i < 4; ++i)
        EXPECT_EQ(h[i]["status"], "Skipped") << h[i].dump();
    EXPECT_EQ(h[4]["status"], "Started");
    EXPECT_EQ(h[4]["scheduledTime"], "2026-04-01T12:05:00.000Z");
}

// A schedule's own choice (its property bag) wins over the service's: two schedules side by
// side through the same downtime, one catching up and one skipping.
TEST_F(Schedules, EachScheduleMayChooseCatchUpOrSkipForItself)
{
    open(MissedRunPolicy::Skip);
    at("2026-04-01T12:00:00Z");
    createWorkspace();
    const Json minute{{"triggerType", "Recurrence"}, {"frequency", "Minute"}, {"interval", 1}, {"startTime", "2026-04-01T12:00:00Z"}};
    const auto put = [&](const char *name, const char *policy) {
        return call("PUT", m_ws + QStringLiteral("/schedules/") + QLatin1String(name),
                    Json{{"properties",
                          {{"trigger", minute},
                           {"properties", {{kMissedRunsProperty, policy}}},
                           {"action", {{"actionType", "CreateJob"}, {"jobDefinition", pipelineDefinition()}}}}}});
    };
    ASSERT_EQ(put("catches-up", "CatchUp").status, 201);
    ASSERT_EQ(put("skips", "Skip").status, 201);
    const auto bad = put("wrong", "Sometimes");
    EXPECT_EQ(bad.status, 400);
    EXPECT_TRUE(bad.body.contains("properties.properties.cerulean.missedRuns' must be CatchUp or Skip")) << bad.body.toStdString();
    m_service.reset();
    at("2026-04-01T12:03:10Z");
    open(MissedRunPolicy::Skip);
    EXPECT_EQ(m_service->scheduler()->tick(), 3 + 1);
    const Json caught = history(QStringLiteral("catches-up"));
    ASSERT_EQ(caught.size(), 3u);
    for (const Json &e : caught)
        EXPECT_EQ(e["status"], "Started");
    const Json skipped = history(QStringLiteral("skips"));
    ASSERT_EQ(skipped.size(), 3u);
    EXPECT_EQ(skipped[0]["status"], "Skipped");
    EXPECT_EQ(skipped[1]["status"], "Skipped");
    EXPECT_EQ(skipped[2]["status"], "Started");
}

// A process claims an interval and records its occurrences as intents in one write, then fires
// them. Killed in between, it leaves intents behind: the next process fires each one once, and
// one whose job was made before the kill is not fired again.
TEST_F(Schedules, OccurrencesClaimedByAProcessThatDiedAreFiredOnceByTheNext)
{
    open(MissedRunPolicy::Skip);
    at("2026-04-01T12:00:00Z");
    createWorkspace();
    const QString id = m_ws + QStringLiteral("/schedules/every-minute");
    ASSERT_EQ(putSchedule(QStringLiteral("every-minute"), {{"triggerType", "Recurrence"}, {"frequency", "Minute"}, {"interval", 1},
                                                          {"startTime", "2026-04-01T12:00:00Z"}, {"timeZone", "UTC"}})
                  .status,
              201);
    // The 12:02 job was made before the process died; the 12:01 one never was.
    Json made = pipelineDefinition();
    made["properties"] = {{"azureml.schedule.name", "every-minute"}};
    ASSERT_EQ(call("PUT", m_ws + QStringLiteral("/jobs/every-minute-20260401120200"), Json{{"properties", made}}).status, 201);
    // As the store is left by a process (pid 999999999, gone) killed between claim and record.
    const qint64 claimedAt = utc("2026-04-01T12:02:10Z").toMSecsSinceEpoch();
    ASSERT_TRUE(m_service->store().updateResource(id, [&](StoredResource &r) {
        r.doc["_local"]["lastEvaluatedMs"] = claimedAt;
        r.doc["_local"]["pending"] = Json::array(
            {{{"scheduledMs", utc("2026-04-01T12:01:00Z").toMSecsSinceEpoch()}, {"evaluatedTime", "2026-04-01T12:02:10.000Z"},
              {"jobName", "every-minute-20260401120100"}, {"owner", "999999999:gone"}},
             {{"scheduledMs", utc("2026-04-01T12:02:00Z").toMSecsSinceEpoch()}, {"evaluatedTime", "2026-04-01T12:02:10.000Z"},
              {"jobName", "every-minute-20260401120200"}, {"owner", "999999999:gone"}}});
        return true;
    }));
    m_service.reset();
    open(MissedRunPolicy::Skip);
    at("2026-04-01T12:02:30Z");
    m_service->scheduler()->tick();
    m_service->scheduler()->tick();
    const Json runs = call("GET", m_ws + QStringLiteral("/jobs?scheduleId=every-minute")).json()["value"];
    std::vector<std::string> names;
    for (const Json &j : runs)
        names.push_back(j.value("name", std::string()));
    std::sort(names.begin(), names.end());
    EXPECT_EQ(names, (std::vector<std::string>{"every-minute-20260401120100", "every-minute-20260401120200"}));
    const Json h = history(QStringLiteral("every-minute"));
    ASSERT_EQ(h.size(), 2u) << h.dump();
    for (const Json &e : h)
        EXPECT_EQ(e["status"], "Started") << e.dump();
    EXPECT_TRUE(m_service->store().resource(id)->doc["_local"].value("pending", Json::array()).empty());
}

// A pipeline run (a scheduled one, or any) that was running when the service process ended is
// found at start-up and marked Failed with the reason; nothing is left "Running" for ever.
TEST_F(Schedules, APipelineRunFoundRunningAtStartUpIsMarkedFailedWithTheReason)
{
    open(MissedRunPolicy::Skip);
    at("2026-04-01T12:00:00Z");
    createWorkspace();
    const QString id = m_ws + QStringLiteral("/jobs/interrupted");
    ASSERT_EQ(call("PUT", id, Json{{"properties", pipelineDefinition()}}).status, 201);
    // As the store is left by a process killed in the middle of the run.
    ASSERT_TRUE(m_service->store().updateResource(id, [](StoredResource &r) {
        r.state = QStringLiteral("Running");
        r.doc["properties"]["status"] = "Running";
        r.doc["_local"]["pid"] = 0;
        r.doc["_local"]["heartbeatMs"] = 0;
        return true;
    }));
    m_service.reset();
    m_workers = true;
    open(MissedRunPolicy::Skip);
    const Json job = call("GET", id).json();
    EXPECT_EQ(job["properties"]["status"], "Failed") << job.dump();
    EXPECT_NE(job["properties"]["properties"].value("azureml.error", std::string()).find("stopped while this job was running"),
              std::string::npos)
        << job.dump();
}

TEST_F(Schedules, BadSchedulesGet400NamingTheField)
{
    open(MissedRunPolicy::Skip);
    at("2026-04-01T12:00:00Z");
    createWorkspace();
    auto r = putSchedule(QStringLiteral("bad"), {{"triggerType", "Cron"}, {"expression", "61 * * * *"}});
    EXPECT_EQ(r.status, 400);
    EXPECT_TRUE(r.body.contains("minute field")) << r.body.toStdString();
    r = call("PUT", m_ws + QStringLiteral("/schedules/bad"),
             Json{{"properties",
                   {{"trigger", {{"triggerType", "Cron"}, {"expression", "0 * * * *"}}},
                    {"action", {{"actionType", "CreateJob"},
                                {"jobDefinition", {{"jobType", "Pipeline"}, {"jobs", {{"x", {{"type", "command"}}}}}}}}}}}});
    EXPECT_EQ(r.status, 400);
    EXPECT_TRUE(r.body.contains("properties.action.jobDefinition: 'properties.jobs.x.command' is required")) << r.body.toStdString();
}

} // namespace
