using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using FedFace.Aggregator.Observability;
using FedFace.Aggregator.Rounds;
using FedFace.Aggregator.SecureAggregation;
using FedFace.Aggregator.Admin;
using FedFace.CommandLine;
using FedFace.Core.Aggregation;
using FedFace.Core.Security;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Options;

namespace FedFace.Aggregator;

/// <summary>Wires the aggregator: options, Kestrel with mutual TLS over HTTP/2, gRPC (with health and reflection) and the round loop.</summary>
public static class AggregatorHost
{
    public static WebApplication Build(string[] args, Action<AggregatorOptions>? configure = null, Action<IServiceCollection>? configureServices = null)
    {
        // appsettings.json ships next to the binary; --config layers a settings file over it (AggregatorCommandLine).
        WebApplicationBuilder builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddSettingsFile(builder.Configuration[SettingsFile.Key]);
        UnknownSettings.Refuse(builder.Configuration, AggregatorOptions.Section, AggregatorCommandLine.Settings());
        RefuseUrls(builder.Configuration);
        // A failed start is reported once, in one line, by AggregatorProgram; the host's own report would add its stack trace.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.None);
        builder.Services.AddOptions<AggregatorOptions>()
            .Bind(builder.Configuration.GetSection(AggregatorOptions.Section))
            .PostConfigure(options => configure?.Invoke(options))
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<AggregatorOptions>, AggregatorOptionsValidator>();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<IServerOptimizer>(services =>
            services.GetRequiredService<IOptions<AggregatorOptions>>().Value.ServerOptimizer.Create());
        builder.Services.AddSingleton(services => AggregatorCredentials.Load(services.GetRequiredService<IOptions<AggregatorOptions>>().Value));
        builder.Services.AddSingleton(services => new ModelSigner(services.GetRequiredService<AggregatorCredentials>().ModelSigningCertificate,
            services.GetRequiredService<IOptions<AggregatorOptions>>().Value.FederationName, formerCertificate: services.GetRequiredService<AggregatorCredentials>().Certificate));
        builder.Services.AddSingleton<SiteCertificates>();
        builder.Services.AddSingleton<RevokedSites>();
        builder.Services.AddSingleton<SecureRounds>();
        builder.Services.AddRounds();
        builder.Services.AddSingleton<UploadStreams>();
        builder.Services.AddGrpc(grpc =>
        {
            grpc.EnableDetailedErrors = true;
            // First: a revoked site's call goes no further.
            grpc.Interceptors.Add<RevocationGate>();
            grpc.Interceptors.Add<SiteCertificateRecorder>();
            grpc.Interceptors.Add<SiteContactRecorder>();
        });
        builder.Services.AddAggregatorHealth();
        builder.Services.AddGrpcReflection();
        builder.Services.AddFederationStatus();
        configureServices?.Invoke(builder.Services);
        builder.WebHost.ConfigureKestrel(ConfigureMutualTls);
        builder.AddAggregatorObservability();

        WebApplication app = builder.Build();
        app.MapGrpcService<FederationService>();
        app.MapGrpcService<SecAggStageService>();
        // Both behind the same mutual TLS as the federation's own services: any federation certificate may call them.
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();
        app.MapAggregatorObservability();
        app.MapFederationStatus();
        app.Lifetime.ApplicationStarted.Register(() =>
            AggregatorLog.Listening(app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(AggregatorLog.HostCategory), ServerAddress(app)));
        return app;
    }

    /// <summary>
    /// Kestrel would quietly ignore ASP.NET Core's own address settings (--urls, ASPNETCORE_URLS) for the mutual-TLS
    /// endpoint configured here; an operator who set one expects it to matter, so it is refused with the setting to use.
    /// </summary>
    private static void RefuseUrls(IConfiguration configuration)
    {
        if (configuration["urls"] is { Length: > 0 } urls)
        {
            throw new AggregatorStartupException($"--urls / ASPNETCORE_URLS ('{urls}') is not used: the aggregator listens with mutual TLS on "
                + "Aggregator:ListenAddress and Aggregator:Port (e.g. --Aggregator:ListenAddress 0.0.0.0 --Aggregator:Port 7443 for every interface)");
        }
    }

    /// <summary>The mutual-TLS address: the https listener that is not the dashboard's (the management port is plain http).</summary>
    private static string ServerAddress(WebApplication app)
    {
        int? dashboardPort = app.Services.GetRequiredService<DashboardListener>().Uri?.Port;
        return app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
            .First(address => address.StartsWith("https://", StringComparison.Ordinal) && new Uri(address).Port != dashboardPort);
    }

    /// <summary>
    /// The https address to reach the aggregator on this machine, once started (resolves port 0): loopback and any-address
    /// listeners are reached as localhost, the name its certificate carries.
    /// </summary>
    public static Uri ListeningUri(WebApplication app)
    {
        var address = new Uri(ServerAddress(app));
        return address.Host is "127.0.0.1" or "0.0.0.0" or "[::]" ? new UriBuilder(address) { Host = "localhost" }.Uri : address;
    }

    private static void ConfigureMutualTls(WebHostBuilderContext context, KestrelServerOptions kestrel)
    {
        // Resolving the options runs AggregatorOptionsValidator: every problem is reported by name before we listen.
        AggregatorOptions options = kestrel.ApplicationServices.GetRequiredService<IOptions<AggregatorOptions>>().Value;
        ILogger logger = kestrel.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger("FedFace.Aggregator.Tls");
        AggregatorCredentials credentials = kestrel.ApplicationServices.GetRequiredService<AggregatorCredentials>();
        // Rotated by replacing the files; each new connection asks for the newest.
        var serverCertificate = new ServerCertificateFiles(options.CertificatePath, options.KeyPath, credentials.Certificate, credentials.FederationCa, logger);
        // A revocation list that does not verify stops the start, as other bad settings do.
        kestrel.ApplicationServices.GetRequiredService<RevokedSites>();
        var gate = new ClientCertificateGate(credentials.FederationCa, logger);

        // Model transfer is bulk data: windows larger than HTTP/2's defaults keep the loopback pipe full.
        kestrel.Limits.Http2.InitialConnectionWindowSize = 8 << 20;
        kestrel.Limits.Http2.InitialStreamWindowSize = 4 << 20;
        kestrel.Limits.MaxRequestBodySize = null;
        // Kestrel's defaults (64 KiB buffered response, 16 KiB frames) make every chunk wait for the socket;
        // measured with lab/spine.sh: upload 0.25 -> 0.35 of raw TLS with the larger frames.
        kestrel.Limits.MaxResponseBufferSize = 4 << 20;
        kestrel.Limits.Http2.MaxFrameSize = (1 << 24) - 1;
        kestrel.Listen(IPAddress.Parse(options.ListenAddress), options.Port, listen =>
        {
            listen.Protocols = HttpProtocols.Http2;
            // The handshake callback (rather than ClientCertificateMode) lets us log why a peer without a certificate was refused.
            listen.UseHttps(new TlsHandshakeCallbackOptions
            {
                OnConnection = handshake => ValueTask.FromResult(new SslServerAuthenticationOptions
                {
                    ServerCertificate = serverCertificate.Current,
                    ClientCertificateRequired = true,
                    EnabledSslProtocols = SslProtocols.Tls13 | SslProtocols.Tls12,
                    ApplicationProtocols = [SslApplicationProtocol.Http2],
                    CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                    RemoteCertificateValidationCallback = (_, certificate, _, _) => gate.Admit(certificate, handshake.Connection.RemoteEndPoint),
                }),
            });
        });
        kestrel.ListenForDashboard(() => serverCertificate.Current, credentials.FederationCa);
    }
}
