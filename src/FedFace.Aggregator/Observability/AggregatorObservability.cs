using FedFace.Core;
using Grpc.AspNetCore.Server;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace FedFace.Aggregator.Observability;

/// <summary>
/// Wires health probes, metrics and traces into the aggregator's host: <see cref="AggregatorMetrics"/> and the gRPC
/// byte counter, OpenTelemetry with a Prometheus reader (scraped on the management port) and, only when
/// Aggregator:Observability:OtlpEndpoint is set, OTLP export of traces and metrics. Without it no span is even recorded.
/// </summary>
public static class AggregatorObservability
{
    public const string ServiceName = "fedface-aggregator";

    public static WebApplicationBuilder AddAggregatorObservability(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddAggregatorMetrics();
        builder.Services.Configure<GrpcServiceOptions>(grpc => grpc.Interceptors.Add<MessageBytesInterceptor>());
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(ServiceName, serviceVersion: BuildVersion.Of(typeof(AggregatorMetrics).Assembly)))
            .WithMetrics(metrics => Deferred(metrics
                .AddMeter(AggregatorMetrics.Name)
                .AddAspNetCoreInstrumentation()
                .AddPrometheusExporter())
                // The settings are bound (and adjusted by the host's caller) only once the container exists.
                .Configure((services, deferred) =>
                {
                    if (Settings(services) is { OtlpUri: { } endpoint } settings)
                    {
                        deferred.AddReader(new PeriodicExportingMetricReader(new OtlpMetricExporter(Otlp(settings, endpoint, "v1/metrics")),
                            settings.OtlpMetricsIntervalSeconds * 1000));
                    }
                }))
            .WithTracing(tracing => Deferred(tracing
                .AddSource(AggregatorMetrics.Name)
                .AddAspNetCoreInstrumentation())
                .Configure((services, deferred) =>
                {
                    if (Settings(services) is { OtlpUri: { } endpoint } settings)
                    {
                        deferred.AddProcessor(new BatchActivityExportProcessor(new OtlpTraceExporter(Otlp(settings, endpoint, "v1/traces"))))
                            // Every call is recorded: a site's trace flags (another organisation's sampling) do not decide what we keep.
                            .SetSampler(new AlwaysOnSampler());
                    }
                    else
                    {
                        deferred.SetSampler(new AlwaysOffSampler());
                    }
                }));
        builder.WebHost.ConfigureKestrel(ManagementEndpoints.Listen);
        return builder;
    }

    /// <summary>The metrics the round's classes record into (and the meter factory they come from); enough without a web host.</summary>
    public static IServiceCollection AddAggregatorMetrics(this IServiceCollection services)
    {
        services.AddMetrics();
        services.TryAddSingleton<AggregatorMetrics>();
        return services;
    }

    /// <summary>The management endpoints (see <see cref="ManagementEndpoints"/>).</summary>
    public static WebApplication MapAggregatorObservability(this WebApplication app)
    {
        ManagementEndpoints.Map(app);
        return app;
    }

    private static IDeferredMeterProviderBuilder Deferred(MeterProviderBuilder builder) =>
        builder as IDeferredMeterProviderBuilder ?? throw new InvalidOperationException("OpenTelemetry's hosting builder is expected to defer configuration");

    private static IDeferredTracerProviderBuilder Deferred(TracerProviderBuilder builder) =>
        builder as IDeferredTracerProviderBuilder ?? throw new InvalidOperationException("OpenTelemetry's hosting builder is expected to defer configuration");

    private static ObservabilitySettings Settings(IServiceProvider services) =>
        services.GetRequiredService<IOptions<AggregatorOptions>>().Value.Observability;

    /// <summary>
    /// The exporter's options. Over HTTP each signal has its own path under the endpoint; an endpoint given in code is used
    /// as it is, so the path is added here (the OTEL_EXPORTER_OTLP_ENDPOINT variable would add it itself).
    /// </summary>
    private static OtlpExporterOptions Otlp(ObservabilitySettings settings, Uri endpoint, string signalPath) => settings.OtlpProtocol == OtlpProtocol.HttpProtobuf
        ? new OtlpExporterOptions { Endpoint = new Uri(endpoint.ToString().TrimEnd('/') + "/" + signalPath), Protocol = OtlpExportProtocol.HttpProtobuf }
        : new OtlpExporterOptions { Endpoint = endpoint, Protocol = OtlpExportProtocol.Grpc };
}
