using System.Net;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using FedFace.Aggregator.Dashboard;
using FedFace.Core.Security;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Options;

namespace FedFace.Aggregator.Admin;

/// <summary>
/// Wires what the operator reads of the federation: the history and report, the admin gRPC service on the federation's
/// port, and (when enabled) the dashboard on a port of its own.
/// </summary>
public static class FederationStatusHosting
{
    public static IServiceCollection AddFederationStatus(this IServiceCollection services)
    {
        services.AddSingleton<FederationHistory>();
        services.AddSingleton<IRoundObserver>(s => s.GetRequiredService<FederationHistory>());
        services.AddSingleton<FederationReportBuilder>();
        services.AddSingleton<DashboardListener>();
        services.AddSingleton(s => Settings(s));
        services.AddSingleton(s => new DashboardAccess(Settings(s).ReadToken()));
        services.AddSingleton<DashboardPages>();
        return services;
    }

    /// <summary>
    /// The dashboard's HTTPS listener: HTTP/1.1 only (so no gRPC call can arrive here), the aggregator's certificate, and a
    /// client certificate optional but, when shown, the operator's or the handshake fails.
    /// </summary>
    /// <param name="serverCertificate">The aggregator's current certificate (rotated by replacing its files), asked at every handshake.</param>
    public static void ListenForDashboard(this KestrelServerOptions kestrel, Func<X509Certificate2> serverCertificate, X509Certificate2 federationCa)
    {
        DashboardOptions dashboard = Settings(kestrel.ApplicationServices);
        if (!dashboard.Enabled)
        {
            return;
        }
        kestrel.Listen(IPAddress.Parse(dashboard.ListenAddress), dashboard.Port, listen =>
        {
            kestrel.ApplicationServices.GetRequiredService<DashboardListener>().Listen = listen;
            listen.Protocols = HttpProtocols.Http1;
            listen.Use(next => connection =>
            {
                connection.Features.Set(DashboardListener.Marker);
                return next(connection);
            });
            listen.UseHttps(https =>
            {
                https.ServerCertificateSelector = (_, _) => serverCertificate();
                https.SslProtocols = SslProtocols.Tls13 | SslProtocols.Tls12;
                https.ClientCertificateMode = ClientCertificateMode.AllowCertificate;
                https.CheckCertificateRevocation = false;
                https.ClientCertificateValidation = (certificate, _, _) => FederationTrust.TryValidateOperatorCertificate(certificate, federationCa, out _);
            });
        });
    }

    /// <summary>Maps the admin service, and sends every request that came in on the dashboard's port to the dashboard alone.</summary>
    public static void MapFederationStatus(this WebApplication app)
    {
        app.MapGrpcService<FederationAdminService>();
        DashboardPages pages = app.Services.GetRequiredService<DashboardPages>();
        app.MapWhen(context => context.Features.Get<DashboardListener.Connection>() is not null, dashboard => dashboard.Run(pages.ServeAsync));
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            if (app.Services.GetRequiredService<DashboardListener>().Uri is { } uri)
            {
                app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("FedFace.Aggregator.Host").LogInformation("Dashboard on {Address}", uri);
            }
        });
    }

    private static DashboardOptions Settings(IServiceProvider services) => services.GetRequiredService<IOptions<AggregatorOptions>>().Value.Dashboard;
}

/// <summary>The dashboard's listener, once Kestrel configured it: its address after start (port 0 resolved).</summary>
public sealed class DashboardListener
{
    /// <summary>Marks the connections that arrived on the dashboard's port.</summary>
    public sealed class Connection;

    internal static readonly Connection Marker = new();

    internal ListenOptions? Listen { get; set; }

    /// <summary>https://localhost:PORT/ for a loopback or any-address listener (the name the aggregator's certificate carries); null when off.</summary>
    public Uri? Uri => Listen?.IPEndPoint is { } endpoint
        ? new Uri($"https://{(IPAddress.IsLoopback(endpoint.Address) || endpoint.Address.Equals(IPAddress.Any) || endpoint.Address.Equals(IPAddress.IPv6Any) ? "localhost" : endpoint.Address.ToString())}:{endpoint.Port}/")
        : null;
}
