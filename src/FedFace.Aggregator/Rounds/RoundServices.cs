using FedFace.Aggregator.Collection;
using FedFace.Aggregator.Observability;
using FedFace.Aggregator.SecureAggregation;
using FedFace.Aggregator.Sites;
using FedFace.Aggregator.Strategies;
using FedFace.Core.Storage;
using FedFace.Protocol.Storage;
using Microsoft.Extensions.Options;

namespace FedFace.Aggregator.Rounds;

/// <summary>Wires the round: the federation resumed from its checkpoint, the sites, the collector and strategy the settings ask for, and the loop.</summary>
public static class RoundServices
{
    public static IServiceCollection AddRounds(this IServiceCollection services)
    {
        services.AddSingleton(s => new CheckpointStore(Options(s).StateDirectory, CrashAtFromEnvironment.Read()));
        services.AddSingleton<FederationResume>();
        services.AddSingleton(s => s.GetRequiredService<FederationResume>().Load());
        services.AddSingleton(s => new CurrentModel(s.GetRequiredService<ResumedFederation>().Published));
        services.AddSingleton(s => AggregationStrategies.Resume(Options(s), s.GetRequiredService<ResumedFederation>().State,
            s.GetRequiredService<SecureRounds>().Enabled, s.GetRequiredService<ResumedFederation>().Published.Model.DataBytes,
            s.GetRequiredService<ILogger<FederationPrivacy>>()));
        services.AddSingleton<IUpdateCollector>(s => s.GetRequiredService<SecureRounds>().Enabled
            ? new SecureAggregationCollector(s.GetRequiredService<SecureRounds>(), s.GetRequiredService<Observability.AggregatorMetrics>())
            : new PlainUploadCollector(s.GetRequiredService<TimeProvider>()));
        services.AddSingleton(s => Options(s).DeterministicSampling ? SiteSampler.Seeded(Options(s).SamplingSeed) : SiteSampler.Secure());
        services.AddSingleton<SiteRegistry>();
        services.AddSingleton<CurrentRound>();
        services.AddSingleton<FederationStatus>();
        services.AddSingleton<TaskDispatcher>();
        services.AddSingleton<RoundDeclines>();
        services.AddSingleton<SiteMetricsRecorder>();
        services.AddSingleton<PlainUploads>();
        services.AddSingleton<RoundConfigurator>();
        services.AddSingleton<TailAverage>();
        services.AddSingleton<ServerStep>();
        services.AddSingleton<RoundCommitter>();
        services.AddSingleton<RoundReporter>();
        services.AddSingleton<RoundRunner>();
        services.AddAggregatorMetrics();
        services.AddHostedService<RoundLoop>();
        return services;
    }

    private static AggregatorOptions Options(IServiceProvider services) => services.GetRequiredService<IOptions<AggregatorOptions>>().Value;
}
