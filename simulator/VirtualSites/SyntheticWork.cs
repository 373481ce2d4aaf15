using FedFace.Client;
using FedFace.Core;
using FedFace.Core.Simulation;
using FedFace.Learning.Training;
using FedFace.Protos.V1;

namespace FedFace.Simulator.VirtualSites;

/// <summary>A site's delta drawn from a seeded distribution (<see cref="SyntheticUpdates"/>): no faces, no network, no libtorch.</summary>
public sealed class SyntheticWork(VirtualSite site, SyntheticUpdates updates, int examples) : ILocalWork
{
    public string? Shortfall(CancellationToken cancellationToken) => null;

    public Task<LocalUpdate> ComputeAsync(ModelState global, RoundTask task, CancellationToken cancellationToken) =>
        Task.FromResult(new LocalUpdate(updates.For(site.Id, task.Round, global), UntrainedReport.Of(examples)));
}

/// <summary>What a site that did not train reports: its example count, no loss, no steps.</summary>
internal static class UntrainedReport
{
    public static LocalTrainingReport Of(int examples) => new(0, 0, 0, 0, examples, 0, EpochsRun: 0, StoppedEarly: false, BestEpoch: 0, ValidationLosses: []);
}
