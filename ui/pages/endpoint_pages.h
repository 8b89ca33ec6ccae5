#pragma once

#include <QString>

#include <memory>

namespace cerulean::ui {

class BenchmarkPage;
class ConsumePage;
class EndpointTarget;
class MainWindow;
class Session;
class SwaggerPage;

// The Swagger, Consume and Benchmark steps share one endpoint target (URIs, key, schema).
struct EndpointPages
{
    EndpointTarget *target = nullptr; // owned by the Swagger page
    SwaggerPage *swagger = nullptr;
    ConsumePage *consume = nullptr;
    BenchmarkPage *benchmark = nullptr;
};

// Builds the three pages on the process-wide network transport, following the session's
// deployment, and puts them in their steps.
EndpointPages installEndpointPages(MainWindow &window, Session &session);

// A scoring endpoint the screenshot tour runs while it shoots the three pages.
class TourEndpoint
{
public:
    virtual ~TourEndpoint() = default;
};

// For the screenshot tour when nothing could be deployed: serves a small real model package
// (trained on Bank Marketing in `workDirectory`) in-process and drives the pages against it
// (driveEndpointPagesForTour). Null if any step fails.
std::unique_ptr<TourEndpoint> prepareEndpointPagesForTour(MainWindow &window, const QString &workDirectory);

// For the screenshot tour: against the endpoint the pages point at (the deployed one), loads
// its schema, sends the Consume form's request and runs two benchmarks (without and with
// keep-alive), so that the pages are shot in use. False if any step fails.
bool driveEndpointPagesForTour(MainWindow &window);

} // namespace cerulean::ui
