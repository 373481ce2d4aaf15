using System.Net;
using System.Text;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace FedFace.Aggregator.Observability;

/// <summary>
/// The management port: /healthz (liveness: the process answers), /readyz (readiness: every health check passes, the
/// same checks gRPC health reports) and /metrics (Prometheus), over plain HTTP/1.1 with no client certificate. Each
/// listener serves only its own endpoints: the mutual-TLS port never answers these paths, and the management port
/// answers nothing else (so no gRPC service is reachable without a certificate).
/// </summary>
public static class ManagementEndpoints
{
    public const string LivenessPath = "/healthz";
    public const string ReadinessPath = "/readyz";
    public const string MetricsPath = "/metrics";

    /// <summary>Marks the connections accepted on the management port (Kestrel connection items).</summary>
    private const string ManagementConnection = "FedFace.ManagementConnection";

    /// <summary>Adds the management listener to Kestrel, unless Aggregator:Observability:ManagementEnabled is false.</summary>
    public static void Listen(KestrelServerOptions kestrel)
    {
        ArgumentNullException.ThrowIfNull(kestrel);
        ObservabilitySettings settings = kestrel.ApplicationServices.GetRequiredService<IOptions<AggregatorOptions>>().Value.Observability;
        if (!settings.ManagementEnabled)
        {
            return;
        }
        kestrel.Listen(IPAddress.Parse(settings.ManagementListenAddress), settings.ManagementPort, listen =>
        {
            // HTTP/1.1 only: gRPC needs HTTP/2, so even a path the filter missed could not reach a gRPC service here.
            listen.Protocols = HttpProtocols.Http1;
            listen.Use(next => connection =>
            {
                connection.Items[ManagementConnection] = true;
                return next(connection);
            });
        });
    }

    /// <summary>Maps the three endpoints and keeps each listener to its own; logs the management address once listening.</summary>
    public static void Map(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.Use(KeepListenersApart);
        app.MapHealthChecks(LivenessPath, new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteReportAsync })
            .WithMetadata(ManagementOnly.Instance);
        app.MapHealthChecks(ReadinessPath, new HealthCheckOptions { ResponseWriter = WriteReportAsync })
            .WithMetadata(ManagementOnly.Instance);
        app.MapPrometheusScrapingEndpoint(MetricsPath).WithMetadata(ManagementOnly.Instance);
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            if (Address(app) is { } address)
            {
                AggregatorLog.ManagementListening(app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(AggregatorLog.HostCategory), address);
            }
        });
    }

    /// <summary>The management port's http address once started (port 0 resolved), or null when it is off.</summary>
    public static Uri? Address(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        string? address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses
            .FirstOrDefault(a => a.StartsWith("http://", StringComparison.Ordinal));
        return address is null ? null : new Uri(address);
    }

    private static Task KeepListenersApart(HttpContext context, RequestDelegate next)
    {
        bool onManagementPort = context.Features.Get<IConnectionItemsFeature>()?.Items.ContainsKey(ManagementConnection) == true;
        bool managementEndpoint = context.GetEndpoint()?.Metadata.GetMetadata<ManagementOnly>() is not null;
        if (onManagementPort != managementEndpoint)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }
        return next(context);
    }

    /// <summary>The overall status, then one line per check with what it found: a probe reads the code, a person the text.</summary>
    private static Task WriteReportAsync(HttpContext context, HealthReport report)
    {
        var text = new StringBuilder().Append(report.Status).Append('\n');
        foreach ((string name, HealthReportEntry entry) in report.Entries)
        {
            text.Append(name).Append(": ").Append(entry.Status);
            if (entry.Description is { Length: > 0 } description)
            {
                text.Append(": ").Append(description);
            }
            text.Append('\n');
        }
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(text.ToString());
    }

    /// <summary>Endpoint metadata: served on the management port only.</summary>
    private sealed class ManagementOnly
    {
        public static readonly ManagementOnly Instance = new();
    }
}
