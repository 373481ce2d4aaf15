using FedFace.Client;
using FedFace.Core;
using FedFace.Protos.V1;

namespace FedFace.Simulator.VirtualSites;

/// <summary>Records the delta another work computes, before protection, for a later replay.</summary>
public sealed class RecordingWork(VirtualSite site, ILocalWork inner, RecordedUpdates recording) : ILocalWork
{
    public string? Shortfall(CancellationToken cancellationToken) => inner.Shortfall(cancellationToken);

    public async Task<LocalUpdate> ComputeAsync(ModelState global, RoundTask task, CancellationToken cancellationToken)
    {
        LocalUpdate update = await inner.ComputeAsync(global, task, cancellationToken);
        recording.Write(task.Round, site.Id, update.Delta);
        return update;
    }
}
