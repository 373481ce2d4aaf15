using FedFace.Client;
using FedFace.Core;
using FedFace.Protos.V1;

namespace FedFace.Simulator.VirtualSites;

/// <summary>A site's delta as a recording run saved it (<see cref="RecordedUpdates"/>): the same updates again, without training.</summary>
public sealed class ReplayedWork(VirtualSite site, RecordedUpdates recording, int examples) : ILocalWork
{
    public string? Shortfall(CancellationToken cancellationToken) =>
        recording.Has(null, site.Id) ? null : $"the recording {recording.Folder} holds no update of {site.Id}";

    public Task<LocalUpdate> ComputeAsync(ModelState global, RoundTask task, CancellationToken cancellationToken) =>
        Task.FromResult(new LocalUpdate(recording.Read(task.Round, site.Id), UntrainedReport.Of(examples)));
}
