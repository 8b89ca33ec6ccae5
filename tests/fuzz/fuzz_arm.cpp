// libFuzzer target over the local workspace's ARM body validation: arbitrary JSON bodies PUT
// (or PATCHed, or POSTed to an action) at each resource type the service builds, through
// LocalService::handle as a client's request arrives, on a service with its workers off.
//
// Input: the first byte picks the resource (and the method); the rest is the body. A body
// the service accepts is read back, PUT again (the update path) and deleted. Each input runs
// inside one store transaction that is rolled back, so every input starts from the same state
// (a crash reproduces from its input alone) and the database does not grow.
//
// It fails when a body makes a route answer 5xx (the body's fault must be a 4xx naming the
// field), when an accepted resource cannot be read back, or on any sanitizer report.

#include "tests/fuzz/fuzz_support.h"

#include <array>

using namespace cerulean;
using namespace cerulean::fuzz;

namespace {

struct Route
{
    const char *method;
    const char *path;  // after the scope below; "" is the scope itself
    enum Scope { Subscription, Group, Workspace } scope;
    bool roundTrip;    // on success: GET, PUT again and DELETE
};

// Names of the resources the input creates are their own, so the fixture's stay as they are.
const std::array kRoutes{
    Route{"PUT", "/resourceGroups/fuzzrg", Route::Subscription, true},
    Route{"PUT", "/providers/Microsoft.MachineLearningServices/workspaces/fuzzws", Route::Group, true},
    Route{"PUT", "/computes/fuzzcpu", Route::Workspace, true},
    Route{"PUT", "/data/fuzzdata", Route::Workspace, true},
    Route{"PUT", "/data/d/versions/7", Route::Workspace, true},
    Route{"PUT", "/data/fuzzdata/versions/1", Route::Workspace, true},
    Route{"PUT", "/models/fuzzmodel", Route::Workspace, true},
    Route{"PUT", "/models/m/versions/7", Route::Workspace, true},
    Route{"PUT", "/models/fuzzmodel/versions/1", Route::Workspace, true},
    Route{"PUT", "/onlineEndpoints/fuzz-ep", Route::Workspace, true},
    Route{"PUT", "/onlineEndpoints/ep1/deployments/fuzz-dep", Route::Workspace, true},
    Route{"PUT", "/jobs/fuzzjob", Route::Workspace, true},
    Route{"PUT", "/schedules/fuzzsched", Route::Workspace, true},
    Route{"PUT", "/batchEndpoints/fuzz-bep", Route::Workspace, true},
    Route{"PUT", "/batchEndpoints/bep1/deployments/fuzz-bdep", Route::Workspace, true},
    Route{"PUT", "/providers/Microsoft.Authorization/roleAssignments/0f6a1c4e-98b1-4c1e-9f4b-2f0e4a0c5d11",
          Route::Workspace, true},
    Route{"PUT", "/providers/microsoft.insights/components/fuzzai", Route::Group, true},
    Route{"PUT", "/providers/Microsoft.Storage/storageAccounts/fuzzstorage", Route::Group, true},
    // Updates of the fixture's resources and actions with bodies.
    Route{"PATCH", "/onlineEndpoints/ep1", Route::Workspace, false},
    Route{"PATCH", "/jobs/pipe", Route::Workspace, false},
    Route{"PATCH", "", Route::Workspace, false},
    Route{"POST", "/onlineEndpoints/ep1/regenerateKeys", Route::Workspace, false},
    Route{"POST", "/onlineEndpoints/ep1/deployments/blue/getLogs", Route::Workspace, false},
    Route{"POST", "/jobs/pipe/cancel", Route::Workspace, false},
    // Batch invocation (a batch job's body), publishing a pipeline and its REST trigger.
    Route{"POST", "batch-invoke", Route::Workspace, false},
    Route{"POST", "pipeline-publish", Route::Workspace, false},
    Route{"POST", "pipeline-trigger", Route::Workspace, false},
};

LocalWorkspace &workspace()
{
    static LocalWorkspace instance;
    return instance;
}

QString target(const LocalWorkspace &w, const Route &route)
{
    const QString path = QString::fromLatin1(route.path);
    if (path == QLatin1String("batch-invoke"))
        return QStringLiteral("/batch") + w.workspace + QStringLiteral("/batchEndpoints/bep1/jobs");
    if (path == QLatin1String("pipeline-trigger"))
        return w.trigger;
    if (path == QLatin1String("pipeline-publish"))
        return QStringLiteral("/pipelines/v1.0") + w.workspace + QStringLiteral("/PipelineEndpoints");
    switch (route.scope) {
    case Route::Subscription: return w.subscription + path;
    case Route::Group: return w.group + path;
    case Route::Workspace: return w.workspace + path;
    }
    return path;
}

// One input against the service: the promises above, checked.
void exercise(LocalWorkspace &w, const Route &route, const QByteArray &body)
{
    const QString path = target(w, route);
    const ApiResponse r = w.call(route.method, path, body);
    expectClientError(r, route.path);
    if (!route.roundTrip || r.status >= 300)
        return;
    const ApiResponse read = w.call("GET", path, {});
    if (read.status != 200)
        violated("an accepted resource cannot be read back", path.toUtf8() + ": " + read.body);
    expectClientError(w.call("PUT", path, body), "the same PUT again");
    expectClientError(w.call("DELETE", path, {}), "DELETE");
    if (w.call("GET", path, {}).status != 404)
        violated("a deleted resource is still there", path.toUtf8());
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    if (size == 0)
        return 0;
    LocalWorkspace &w = workspace();
    const Route &route = kRoutes[data[0] % kRoutes.size()];
    const QByteArray body = qbytes(bytes(data + 1, size - 1));
    w.service().store().transaction([&] {
        exercise(w, route, body);
        return false; // rolled back: the next input finds the fixture as it was
    });
    return 0;
}
